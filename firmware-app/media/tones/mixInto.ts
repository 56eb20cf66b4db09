// Mixing a tone into a call's audio: sample-wise sum, clipped to the 16-bit range instead of wrapping around.

const INT16_MAX = 32767;
const INT16_MIN = -32768;

/**
 * Mixes a tone frame into a call's frame in place, saturating at the int16 range. Mixes the first
 * min(target.length, tone.length) samples, so a tone buffer longer than the frame is fine.
 */
export function mixInto(target: Int16Array, tone: Int16Array): void {
  const count = Math.min(target.length, tone.length);
  for (let i = 0; i < count; i++) {
    const sum = target[i]! + tone[i]!;
    // An Int16Array keeps only the low 16 bits of what it is given: clip first, or a loud sum flips sign.
    target[i] = sum > INT16_MAX ? INT16_MAX : sum < INT16_MIN ? INT16_MIN : sum;
  }
}
