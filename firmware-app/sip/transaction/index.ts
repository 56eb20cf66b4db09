// Public API of the transaction layer (RFC 3261 §17, RFC 6026).

export {
  TransactionLayer, type TransactionLayerOptions, type TransactionLayerUser, type TransactionTransport,
  type ClientTransaction, type ServerTransaction,
} from './TransactionLayer.ts';
export { InviteClientTransaction, type InviteClientState } from './InviteClientTransaction.ts';
export { NonInviteClientTransaction, type NonInviteClientState } from './NonInviteClientTransaction.ts';
export { InviteServerTransaction, type InviteServerState } from './InviteServerTransaction.ts';
export { NonInviteServerTransaction, type NonInviteServerState } from './NonInviteServerTransaction.ts';
export { DEFAULT_TIMER_BASE, timerValues, type TimerBase, type TimerValues } from './timers.ts';
export type { ClientTransactionUser, ServerTransactionUser } from './types.ts';
export { MAGIC_COOKIE, newBranch, randomToken } from './ids.ts';
export { buildNon2xxAck } from './ack.ts';
export { failover, type TargetFailover, type TargetFailoverOptions, type TargetFailure } from './failover.ts';
export { createRequest, formatParty, hostport, type Party, type RequestInit } from './requests.ts';
export type { SipContext, TransportInfo } from './context.ts';
