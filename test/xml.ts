/**
 * A small strict XML 1.0 reader for the tests' SVG files: it throws on anything not well-formed (an unclosed or
 * crossed element, an unquoted or repeated attribute, a bare & or <, text outside the root, a second root) and
 * returns the element tree. No DTDs, no namespaces resolved: enough to check what ipvae writes.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (entities decoded), its children's not included. */
  text: string;
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:.-]*/y;

function decode(s: string, where: number): string {
  return s.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare & at ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref];
    const num = /^#(\d+)$/.exec(ref) ?? /^#x([0-9a-fA-F]+)$/.exec(ref);
    if (num) return String.fromCodePoint(parseInt(num[1], ref[1] === 'x' ? 16 : 10));
    throw new Error(`unknown entity &${ref}; at ${where}`);
  });
}

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const misc = () => {
    // whitespace and comments (and processing instructions) around the root
    for (;;) {
      skipSpace();
      if (src.startsWith('<!--', i)) {
        const e = src.indexOf('-->', i + 4);
        if (e < 0) fail('unclosed comment');
        i = e + 3;
      } else if (src.startsWith('<?', i)) {
        const e = src.indexOf('?>', i + 2);
        if (e < 0) fail('unclosed processing instruction');
        i = e + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected a space before an attribute');
      const a = name();
      skipSpace();
      if (src[i] !== '=') fail(`attribute ${a} without =`);
      i++;
      skipSpace();
      const q = src[i];
      if (q !== '"' && q !== "'") fail(`attribute ${a} not quoted`);
      const e = src.indexOf(q, i + 1);
      if (e < 0) fail(`attribute ${a} not closed`);
      const raw = src.slice(i + 1, e);
      if (raw.includes('<')) fail(`< in attribute ${a}`);
      if (a in el.attrs) fail(`attribute ${a} repeated`);
      el.attrs[a] = decode(raw, i);
      i = e + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`<${el.name}> not closed`);
      el.text += decode(src.slice(i, lt), i);
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const n = name();
        if (n !== el.name) fail(`</${n}> closes <${el.name}>`);
        skipSpace();
        if (src[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        const e = src.indexOf('-->', i + 4);
        if (e < 0) fail('unclosed comment');
        i = e + 3;
      } else el.children.push(element());
    }
  };
  if (src.startsWith('<?xml', 0)) {
    const e = src.indexOf('?>');
    if (e < 0) fail('unclosed XML declaration');
    i = e + 2;
  }
  misc();
  const root = element();
  misc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** Every element of the tree, depth first, the root included. */
export function allElements(e: XmlElement): XmlElement[] {
  return [e, ...e.children.flatMap(allElements)];
}

/** The element's text and its descendants', in document order. */
export function textOf(e: XmlElement): string {
  return e.text + e.children.map(textOf).join('');
}
