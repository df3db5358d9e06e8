import { describe, expect, it } from "vitest";
import { JsonArrayDecoder } from "../../../core/formats/json-array.js";
import { byteByByte, cutAt } from "../../helpers/splits.js";

const decode = (pieces: Uint8Array[]) => {
  const decoder = new JsonArrayDecoder();
  return [...pieces.flatMap((p) => decoder.push(p)), ...decoder.flush()];
};

const everySplit = (text: string) => {
  const bytes = new TextEncoder().encode(text);
  const whole = decode([bytes]);
  for (let k = 0; k <= bytes.length; k++) expect(decode(cutAt(bytes, [k])), `split at byte ${k}`).toEqual(whole);
  expect(decode(byteByByte(bytes))).toEqual(whole);
  return whole;
};

describe("JsonArrayDecoder", () => {
  it("gives each element's text once it is complete, however the bytes are cut", () => {
    const elements = [{ a: 1, s: 'br{ack}ets [and] "quotes" \\ and , commas' }, { nested: [{ x: [1, [2]] }], emoji: "東京 🌸" }, [1, 2]];
    const text = `[${elements.map((e) => JSON.stringify(e, null, 2)).join("\n,\r\n")}]\n`;
    expect(everySplit(text).map((e) => JSON.parse(e))).toEqual(elements);
  });

  it("skips scalar elements and anything after the closing bracket", () => {
    expect(everySplit('["a{", 1, {"b":"]"}, null] {"after":1}')).toEqual(['{"b":"]"}']);
  });

  it("drops an element the stream cut", () => {
    expect(everySplit('[{"a":1},{"b":')).toEqual(['{"a":1}']);
  });

  it("holds nothing before the array opens", () => {
    expect(everySplit('  \n{"not":"in an array"} [{"a":1}]')).toEqual(['{"a":1}']);
  });
});
