import { StringDecoder } from 'node:string_decoder';

/** The longest line {@link LineSplitter} hands on (64 KiB); a longer one is dropped whole, not cut. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Turns the chunks of an output stream into its lines (without the `\n`, a trailing `\r` removed), decoding UTF-8
 * across chunk boundaries. A line longer than {@link MAX_LINE_CHARS} is dropped (never handed on in pieces, so a
 * consumer parsing lines never sees half of one); `end` hands on a last line without a newline.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private overlong = false;

  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds one chunk of the stream. */
  push(chunk: Buffer): void {
    const parts = (this.pending + this.decoder.write(chunk)).split('\n');
    this.pending = parts.pop()!;
    for (const part of parts) {
      if (!this.overlong) this.emit(part);
      this.overlong = false;
    }
    if (this.pending.length > MAX_LINE_CHARS) {
      this.pending = '';
      this.overlong = true;
    }
  }

  /** The stream ended: hands on what is left of its last line. */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest !== '' && !this.overlong) this.emit(rest);
  }

  private emit(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
