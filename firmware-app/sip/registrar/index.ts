// Public API of the built-in registrar (RFC 3261 §10.3, standalone mode).

export { Registrar, DEFAULT_EXPIRES, DEFAULT_MAX_CONTACTS, DEFAULT_MAX_EXPIRES, DEFAULT_MIN_EXPIRES } from './Registrar.ts';
export type { Binding, RegistrarApi, RegistrarConfig, RegistrarUser } from './types.ts';
