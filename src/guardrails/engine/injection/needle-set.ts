/**
 * Which of a fixed set of ASCII needles occur in a text, in one pass (Aho–Corasick, as a DFA over the
 * needles' characters): what many `text.includes(needle)` calls answer, each of which scans the text
 * again. Needles may overlap or contain one another; every one that occurs is found.
 */
export class NeedleSet {
  /** Per ASCII code, its class (0: a character no needle holds). */
  private readonly cls = new Uint8Array(128);
  private readonly classes: number;
  /**
   * The DFA by row (a state's row starts at state × classes): the next state's row start, or, when
   * that state ends a needle, the bitwise complement of its output number (one sign test per
   * character tells).
   */
  private readonly next: Int32Array;
  /** Per output number k: the state's row start (`outRow[k]`) and its needle ids, `outIds[outFrom[k]..outFrom[k + 1])` (its own and its suffix states'). */
  private readonly outRow: Int32Array;
  private readonly outFrom: Int32Array;
  private readonly outIds: Uint16Array;
  private readonly ids = new Map<string, number>();

  /** `caseless`: A–Z in a text read as a–z (the needles must then hold no capital). */
  constructor(
    readonly needles: readonly string[],
    opts: { caseless?: boolean } = {},
  ) {
    let classes = 1;
    for (const n of needles) {
      if (n.length === 0) throw new Error('NeedleSet: empty needle');
      for (let i = 0; i < n.length; i++) {
        const c = n.charCodeAt(i);
        if (c >= 128) throw new Error(`NeedleSet: non-ASCII needle ${JSON.stringify(n)}`);
        if (opts.caseless === true && c >= 65 && c <= 90) throw new Error(`NeedleSet: capital in a caseless needle ${JSON.stringify(n)}`);
        if (this.cls[c] === 0) this.cls[c] = classes++;
      }
    }
    if (opts.caseless === true) for (let c = 65; c <= 90; c++) this.cls[c] = this.cls[c + 32]!;
    this.classes = classes;
    // The trie.
    const goto: number[][] = [new Array<number>(classes).fill(-1)];
    const ends: number[][] = [[]];
    needles.forEach((n, id) => {
      if (!this.ids.has(n)) this.ids.set(n, id);
      let s = 0;
      for (let i = 0; i < n.length; i++) {
        const k = this.cls[n.charCodeAt(i)]!;
        if (goto[s]![k] === -1) {
          goto[s]![k] = goto.length;
          goto.push(new Array<number>(classes).fill(-1));
          ends.push([]);
        }
        s = goto[s]![k]!;
      }
      ends[s]!.push(id);
    });
    if (goto.length > 0xffff) throw new Error('NeedleSet: too many states');
    // Failure links in breadth-first order turn the trie into a DFA; a state's outputs include its failure state's.
    const fail = new Array<number>(goto.length).fill(0);
    const next = new Uint32Array(goto.length * classes);
    const queue: number[] = [];
    for (let k = 0; k < classes; k++) {
      const t = goto[0]![k]!;
      next[k] = t === -1 ? 0 : t;
      if (t > 0) queue.push(t);
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      ends[s] = [...ends[s]!, ...ends[fail[s]!]!];
      for (let k = 0; k < classes; k++) {
        const t = goto[s]![k]!;
        if (t === -1) next[s * classes + k] = next[fail[s]! * classes + k]!;
        else {
          fail[t] = next[fail[s]! * classes + k]!;
          next[s * classes + k] = t;
          queue.push(t);
        }
      }
    }
    // Output numbers, in state order (-1: the state ends no needle).
    const outOf = new Int32Array(goto.length).fill(-1);
    const outRow: number[] = [];
    const outFrom: number[] = [0];
    const outIds: number[] = [];
    ends.forEach((e, s) => {
      if (e.length === 0) return;
      outOf[s] = outRow.length;
      outRow.push(s * classes);
      outIds.push(...e);
      outFrom.push(outIds.length);
    });
    this.outRow = Int32Array.from(outRow);
    this.outFrom = Int32Array.from(outFrom);
    this.outIds = Uint16Array.from(outIds);
    // A loop, not `Int32Array.from(next, map)` (its generic path cost ~60 ms on a 50,000-entry table at start-up).
    const rows = new Int32Array(next.length);
    for (let i = 0; i < next.length; i++) {
      const t = next[i]!;
      rows[i] = outOf[t] !== -1 ? ~outOf[t]! : t * classes;
    }
    this.next = rows;
  }

  /** The id of a needle (its first index in `needles`), or undefined. */
  idOf(needle: string): number | undefined {
    return this.ids.get(needle);
  }

  /** Marks `found[id] = 1` for every needle that occurs in `text` (`found` is not cleared). */
  scan(text: string, found: Uint8Array): void {
    const { cls, next, outRow, outFrom, outIds } = this;
    const n = text.length;
    let row = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      row = next[row + (c < 128 ? cls[c]! : 0)]!;
      if (row < 0) {
        const k = ~row;
        row = outRow[k]!;
        for (let j = outFrom[k]!, to = outFrom[k + 1]!; j < to; j++) found[outIds[j]!] = 1;
      }
    }
  }
}
