#!/usr/bin/env node
// Regenerates the topic table of libs/contracts/README.md from the registry (libs/contracts/dist,
// so build first: `npx tsc -b tsconfig.build.json`). `--check` only reports whether it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const { allTopics, normalizeMarkdownTable, renderTopicsTable, TOPICS_TABLE_BEGIN, TOPICS_TABLE_END } =
  await import('../dist/index.js');
const prettier = await import('prettier');

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const readme = readFileSync(readmePath, 'utf8');
const begin = readme.indexOf(TOPICS_TABLE_BEGIN);
const end = readme.indexOf(TOPICS_TABLE_END);
if (begin < 0 || end < begin) {
  console.error(
    `${readmePath}: markers "${TOPICS_TABLE_BEGIN}" and "${TOPICS_TABLE_END}" not found; put them where the table goes`,
  );
  process.exit(2);
}
const table = renderTopicsTable(allTopics);
if (process.argv.includes('--check')) {
  const current = readme.slice(begin + TOPICS_TABLE_BEGIN.length, end);
  if (normalizeMarkdownTable(current) !== normalizeMarkdownTable(table)) {
    console.error(
      'the topic table of libs/contracts/README.md is stale: run node libs/contracts/scripts/topics-table.mjs',
    );
    process.exit(1);
  }
  console.log(`topic table up to date (${allTopics.length} topics)`);
} else {
  const next = `${readme.slice(0, begin + TOPICS_TABLE_BEGIN.length)}\n${table}\n${readme.slice(end)}`;
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  writeFileSync(readmePath, await prettier.format(next, { ...options, filepath: readmePath }));
  console.log(`wrote the table of ${allTopics.length} topics to ${readmePath}`);
}
