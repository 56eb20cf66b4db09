// Public API of sip/auth: digest client (answers 401/407) and digest server (the built-in registrar's challenges).

export { DigestClient, type DigestClientOptions } from './DigestClient.ts';
export { DigestServer, type DigestServerOptions } from './DigestServer.ts';
export type {
  AuthAnswer, Credentials, DigestAlgorithm, DigestClientApi, DigestServerApi, VerifyResult,
} from './types.ts';
