/** Structured logger the lib writes to: one JSON object per line, ids as fields. */
export interface MessagingLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** JSON lines on stdout (stderr for warn/error), filtered by level; `silent` drops everything. */
export function createJsonLogger(name: string, level: Level | 'silent' = 'info'): MessagingLogger {
  const min = level === 'silent' ? Number.POSITIVE_INFINITY : ORDER[level];
  const write = (lvl: Level, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < min) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level: lvl,
      logger: name,
      message,
      ...fields,
    });
    if (ORDER[lvl] >= ORDER.warn) process.stderr.write(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const silentLogger: MessagingLogger = createJsonLogger('silent', 'silent');
