// The tones module's public surface: call progress and door tones played to the visitor, and mixing them into a call.
export { createTone, type ToneSource, type ToneOptions } from './createTone.ts';
export { mixInto } from './mixInto.ts';
export type { ToneName } from './cadences.ts';
