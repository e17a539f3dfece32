import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configurationMarkdown } from '../../packages/cli/src/config-docs';

describe('docs/configuration.md', () => {
  it('documents every option of every worker exactly as the config schemas define them (run npm run docs:config)', () => {
    const onDisk = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(onDisk).toBe(configurationMarkdown());
  });
});
