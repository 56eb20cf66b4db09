// Frequency of a recorded tone, from the spacing of its rising zero crossings (interpolated between samples).

export function toneFrequency(samples: Int16Array, sampleRate: number): number {
  const crossings: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (a < 0 && b >= 0) crossings.push(i - 1 + -a / (b - a));
  }
  if (crossings.length < 2) return 0;
  const periods = crossings.length - 1;
  return (periods * sampleRate) / (crossings.at(-1)! - crossings[0]!);
}
