/** What one captured stream came to: the kept head as text, and how much was left out. */
export interface CapturedOutput {
  /** The head of the stream (UTF-8), followed by a truncation mark when bytes were dropped. */
  readonly text: string;
  /** True when the stream produced more than the cap and its tail was dropped. */
  readonly truncated: boolean;
  /** Bytes the stream produced in total. */
  readonly totalBytes: number;
  /** Bytes not kept (`totalBytes` minus the bytes of the kept head). */
  readonly droppedBytes: number;
}

/** The line appended to a truncated stream's text; `dropped` is the number of bytes left out. */
export function truncationMark(dropped: number): string {
  return `\n[gantry: output truncated, ${dropped} bytes dropped]\n`;
}

/**
 * Collects one output stream under a byte cap: keeps the head, keeps counting (and reading, so
 * the writer never blocks on a full pipe) past the cap, and cuts the head on a UTF-8 character
 * boundary so the text never ends in half a character.
 */
export class OutputCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;

  /** @param maxBytes the most bytes of this stream to keep (0 keeps nothing). */
  constructor(readonly maxBytes: number) {}

  /** Takes the next chunk of the stream. */
  push(chunk: Buffer): void {
    this.total += chunk.length;
    const room = this.maxBytes - this.kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  }

  /** The stream so far: head text (with the truncation mark when something was dropped) and counts. */
  result(): CapturedOutput {
    let head = Buffer.concat(this.chunks, this.kept);
    const truncated = this.total > this.kept;
    if (truncated) head = head.subarray(0, completeUtf8Length(head));
    const droppedBytes = this.total - head.length;
    const text = head.toString('utf8') + (truncated ? truncationMark(droppedBytes) : '');
    return { text, truncated, totalBytes: this.total, droppedBytes };
  }
}

/** Length of the longest prefix of `bytes` that does not end inside a multi-byte UTF-8 sequence. */
function completeUtf8Length(bytes: Buffer): number {
  const end = bytes.length;
  // A sequence is at most 4 bytes: look back at most 3 continuation bytes for its lead byte.
  for (let i = end - 1; i >= Math.max(0, end - 4); i--) {
    const b = bytes[i]!;
    if ((b & 0b1100_0000) === 0b1000_0000) continue; // continuation byte
    const need = b >= 0b1111_0000 ? 4 : b >= 0b1110_0000 ? 3 : b >= 0b1100_0000 ? 2 : 1;
    return end - i >= need ? end : i;
  }
  return end;
}
