import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the folder holding deploy/local/kafka.sh), found by walking up from here. */
export function repoRoot(start = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'deploy', 'local', 'kafka.sh'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the Tailstream repository above ${start}`);
    dir = parent;
  }
}
