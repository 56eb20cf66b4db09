// Public API of the dialog layer (RFC 3261 §12-15, RFC 4028): the layer, its contracts, and the helpers the UA uses.

export { DialogLayer, type DialogLayerOptions } from './DialogLayer.ts';
export {
  ACCEPT, ALLOW, ALLOWED_METHODS, COMPLETED_ELSEWHERE, SUPPORTED, SUPPORTED_EXTENSIONS, unsupportedRequire,
} from './headers.ts';
export { DEFAULT_SESSION_EXPIRES_S, MIN_SE_S } from './sessionTimer.ts';
export type {
  Call, CallEndReason, CallEvents, CallState, DialogLayerApi, HangupOptions, IncomingCall, IncomingCallOptions, OutgoingCallOptions,
  SessionBody, SessionDescriptionHandler, SessionMediaContext, MediaReport,
} from './types.ts';
