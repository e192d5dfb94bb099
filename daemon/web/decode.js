// What NEAR contracts store, decoded every way the viewer shows it, and the same forms
// encoded back to bytes for the editor.

export function fromBase64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Hex in groups of 8 bytes, for reading. */
export const hexGroups = (bytes) => (toHex(bytes).match(/.{1,16}/g) ?? []).join(' ');

export function fromHex(s) {
  const clean = s.replace(/\s+/g, '').replace(/^0x/i, '');
  if (clean.length % 2 || /[^0-9a-f]/i.test(clean)) throw new Error('not hex: use pairs of 0-9 a-f');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function utf8(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export function json(bytes) {
  const text = utf8(bytes);
  if (text === null || text.trim() === '') return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

function littleEndian(bytes, n) {
  if (bytes.length !== n) return null;
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v.toString();
}

/** Borsh's string: a u32 little-endian length, then that many bytes of UTF-8. */
export function borshString(bytes) {
  if (bytes.length < 4) return null;
  const len = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
  if (len !== bytes.length - 4) return null;
  return utf8(bytes.subarray(4));
}

/** Every form of `bytes`: [form, label, text or null when it does not decode]. */
export function forms(bytes) {
  return [
    ['utf8', 'UTF-8 text', utf8(bytes)],
    ['json', 'JSON', json(bytes)],
    ['hex', 'Hex', hexGroups(bytes)],
    ['base64', 'Base64', toBase64(bytes)],
    ['u64', 'u64 (LE, borsh)', littleEndian(bytes, 8)],
    ['u128', 'u128 (LE, borsh)', littleEndian(bytes, 16)],
    ['borsh-string', 'Borsh string', borshString(bytes)],
  ];
}

/** The bytes the editor's text stands for in `form`; throws a readable error. */
export function encode(form, text) {
  switch (form) {
    case 'utf8':
      return new TextEncoder().encode(text);
    case 'json':
      return new TextEncoder().encode(JSON.stringify(JSON.parse(text)));
    case 'hex':
      return fromHex(text);
    case 'base64':
      try {
        return fromBase64(text.replace(/\s+/g, ''));
      } catch {
        throw new Error('not base64');
      }
    case 'u64':
    case 'u128':
      return uint(text, form === 'u64' ? 8 : 16);
    default:
      throw new Error(`unknown format ${form}`);
  }
}

function uint(text, n) {
  if (!/^\s*\d+\s*$/.test(text)) throw new Error('not a non-negative integer');
  let v = BigInt(text.trim());
  if (v >= 1n << BigInt(8 * n)) throw new Error(`too large for ${8 * n} bits`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The key bytes of a file name (the daemon's codec): `%XX` is a byte, the rest UTF-8. */
export function nameBytes(name) {
  const out = [];
  const text = new TextEncoder().encode(name);
  for (let i = 0; i < text.length; i++) {
    const h = String.fromCharCode(text[i + 1] ?? 0, text[i + 2] ?? 0);
    if (text[i] === 0x25 && /^[0-9A-F]{2}$/.test(h)) {
      out.push(parseInt(h, 16));
      i += 2;
    } else {
      out.push(text[i]);
    }
  }
  return Uint8Array.from(out);
}
