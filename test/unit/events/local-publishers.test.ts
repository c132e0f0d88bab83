import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LifecycleEvent } from '../../../lambdas/events/lifecycle-event';
import { LogLinePublisher, NdjsonFilePublisher } from '../../../lambdas/events/local-publishers';
import { lifecycleDetail } from '../../../lambdas/events/stream-records';
import { recordingLogger, sampleAuditEvent } from '../../support/stream-records';

const events = (count: number): LifecycleEvent[] =>
  Array.from({ length: count }, (_, index) => {
    const audit = sampleAuditEvent('rename', index, { from: 'a\nb', to: `name ${index}` });
    return { detailType: 'Key rename', detail: lifecycleDetail(audit, `event#${audit.keyId}#${audit.at}#0#abc`) };
  });

/** What EventBridge would deliver of each: its source, detail-type, time (whole seconds) and detail. */
const envelope = (event: LifecycleEvent) => ({
  source: 'user-api-keys',
  'detail-type': event.detailType,
  time: event.detail.at.replace(/\.\d{3}Z$/, 'Z'),
  detail: event.detail,
});

describe('the publishers of npm start', () => {
  it('prints each event as one line through a writer', async () => {
    const lines: string[] = [];
    const sent = events(3);
    await expect(new LogLinePublisher({ write: (line) => lines.push(line) }).publish(sent)).resolves.toEqual({ failed: [] });
    expect(lines).toHaveLength(3);
    // A newline in a name stays escaped inside the line.
    for (const line of lines) expect(line).not.toContain('\n');
    expect(lines.map((line) => JSON.parse(line.replace(/^lifecycle event /, '')) as unknown)).toEqual(sent.map(envelope));
    expect(envelope(sent[0]!).time).toBe('2026-01-02T03:04:05Z');
  });

  it('or as one log entry each through the logger', async () => {
    const logger = recordingLogger();
    const sent = events(2);
    await new LogLinePublisher({ logger }).publish(sent);
    expect(logger.entries).toEqual(
      sent.map((event) => ({ level: 'info', message: 'lifecycle event', data: [{ event: envelope(event) }] })),
    );
  });

  describe('EVENTS_FILE', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'lifecycle-events-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('appends one parseable JSON line per event, its folder made when missing', async () => {
      const file = join(dir, 'nested', 'events.ndjson');
      const publisher = new NdjsonFilePublisher(file);
      const sent = events(5);
      await publisher.publish(sent.slice(0, 2));
      await publisher.publish([]);
      await publisher.publish(sent.slice(2));
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(
        text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as unknown),
      ).toEqual(sent.map(envelope));
    });

    it('rejects when it cannot write, so the stream retries the batch', async () => {
      await expect(new NdjsonFilePublisher(dir).publish(events(1))).rejects.toThrow();
    });
  });
});
