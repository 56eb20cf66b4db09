// Public API of the user agent: the façade, its events and the incoming-request policy.

export { ALLOW } from '../dialog/index.ts';
export { UserAgent, type UserAgentEvents, type UserAgentOptions, type UserAgentParts, type RegistrationClient, type Registrar } from './UserAgent.ts';
export { CallGroup } from './CallGroup.ts';
export { IncomingPolicy, type RefusalCounters, type RefusalReason, type TrustState } from './policy.ts';
