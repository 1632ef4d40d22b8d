import protobuf from 'protobufjs';

/** Protobuf's wire type for strings, bytes and embedded messages. */
const LENGTH_DELIMITED = 2;

/** One field of a serialised message, as the bytes it occupies. */
export interface WireField {
  /** The field number. */
  field: number;
  /** The whole field, tag included: copied as is when a message is rebuilt. */
  raw: Uint8Array;
  /** The payload of a length-delimited field (a string, bytes or a message); empty otherwise. */
  value: Uint8Array;
}

/**
 * Splits a serialised message into its fields, in file order, without decoding any of them.
 * Models are edited this way (keep these fields, drop those, add one) so that every field
 * tune has no definition for survives byte for byte. Throws on bytes that are not protobuf.
 */
export function splitFields(bytes: Uint8Array): WireField[] {
  const reader = protobuf.Reader.create(bytes);
  const fields: WireField[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 0) throw new Error(`field number 0 at byte ${start}`);
    let value = bytes.subarray(0, 0);
    if (wireType === LENGTH_DELIMITED) {
      const length = reader.uint32();
      if (reader.pos + length > reader.len) throw new Error(`field ${field} at byte ${start} runs past the end`);
      value = bytes.subarray(reader.pos, reader.pos + length);
      reader.pos += length;
    } else {
      reader.skipType(wireType);
    }
    fields.push({ field, raw: bytes.subarray(start, reader.pos), value });
  }
  return fields;
}

/** One length-delimited field: its tag, its length, its payload. */
export function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  return protobuf.Writer.create()
    .uint32((field << 3) | LENGTH_DELIMITED)
    .bytes(payload)
    .finish();
}

/** Joins serialised fields (or whole messages) into one buffer. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
