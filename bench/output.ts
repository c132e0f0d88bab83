/** A line of progress for the person waiting: always on stderr, so stdout carries only the result. */
export type Progress = (line: string) => void;

export function progressSince(startedAt: number): Progress {
  return (line) => {
    process.stderr.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  };
}

/**
 * For --json: anything that would print to stdout meanwhile (a logger, a library)
 * goes to stderr instead. Returns the real stdout writer, for the one JSON object.
 */
export function divertStdoutToStderr(): (text: string) => void {
  const realWrite = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr);
  return (text) => {
    realWrite(text);
  };
}
