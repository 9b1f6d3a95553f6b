import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allTopics } from './topics.js';
import {
  normalizeMarkdownTable,
  renderTopicsTable,
  TOPICS_TABLE_BEGIN,
  TOPICS_TABLE_END,
} from './topics-table.js';

describe('README topic table', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

  it('is the table generated from the registry (node libs/contracts/scripts/topics-table.mjs)', () => {
    const begin = readme.indexOf(TOPICS_TABLE_BEGIN);
    const end = readme.indexOf(TOPICS_TABLE_END);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(begin);
    expect(normalizeMarkdownTable(readme.slice(begin + TOPICS_TABLE_BEGIN.length, end))).toBe(
      normalizeMarkdownTable(renderTopicsTable(allTopics)),
    );
  });

  it('has one row per topic', () => {
    const table = renderTopicsTable(allTopics).split('\n');
    expect(table).toHaveLength(allTopics.length + 2);
    allTopics.forEach((topic, i) =>
      expect(table[i + 2]).toContain(`| \`${topic.name}\` | \`${topic.keyField}\` |`),
    );
  });
});

describe('normalizeMarkdownTable', () => {
  it('ignores Prettier padding but not cell content', () => {
    const generated = '| a | b |\n|---|---|\n| `x\\|y` | 1 |';
    const padded = '| a       | b   |\n| ------- | --- |\n| `x\\|y` | 1   |';
    expect(normalizeMarkdownTable(padded)).toBe(normalizeMarkdownTable(generated));
    expect(normalizeMarkdownTable('| a | b |\n|---|---|\n| x | 2 |')).not.toBe(
      normalizeMarkdownTable(generated),
    );
  });
});
