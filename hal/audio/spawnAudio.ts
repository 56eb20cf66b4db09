// The real process spawner for the audio drivers: node:child_process with stdin and stderr piped.

import { spawn } from 'node:child_process';
import type { SpawnAudio } from './audioProcess.ts';

/** stdout is ignored: aplay writes nothing useful there, and an unread pipe could fill up. */
export const spawnAudio: SpawnAudio = (command, args) => spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
