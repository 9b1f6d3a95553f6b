/** What kind of problem a {@link ConfigIssue} reports. */
export enum ConfigIssueCode {
  /** A configuration file is missing or unreadable. */
  FileMissing = 'file_missing',
  /** A YAML file does not parse, or its top level is not a mapping. */
  YamlSyntax = 'yaml_syntax',
  /** MLOPS_ENV names no known environment. */
  UnknownEnvironment = 'unknown_environment',
  /** An environment variable cannot be converted to the type of its key. */
  EnvParse = 'env_parse',
  /** A value breaks the schema (type, range, unknown key, cross-field rule). */
  InvalidValue = 'invalid_value',
}

/** One configuration problem: where it is, what is wrong, and which layer set the value. */
export interface ConfigIssue {
  readonly code: ConfigIssueCode;
  /** Dotted path of the key (`training.split.test_size`); `''` for the whole file. */
  readonly path: string;
  readonly message: string;
  /** Layer the value came from: a file name or `env NAME`. */
  readonly source: string;
}

/**
 * Thrown by `loadConfig` with every problem found at once, so a broken deployment is fixed in
 * one pass rather than one error per restart.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.issues = Object.freeze([...issues]);
  }
}

function formatIssues(issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => `  - ${i.path === '' ? '(root)' : i.path}: ${i.message} [${i.source}]`);
  return `Invalid platform configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}); fix them in the files or variables named:\n${lines.join('\n')}`;
}
