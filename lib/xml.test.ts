import { describe, expect, it } from "vitest";
import { isXmlBody, prettyXml, xmlPrettyMaxBytes } from "./xml";

const soap = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><m:GetPrice xmlns:m="urn:x"><m:Item>Apples &amp; pears</m:Item></m:GetPrice></soap:Body></soap:Envelope>`;
const size = (text: string) => new TextEncoder().encode(text).length;

describe("isXmlBody", () => {
  it("takes XML by its declared type, +xml types included, SVG as text", () => {
    expect(isXmlBody("anything", "application/xml")).toBe(true);
    expect(isXmlBody("anything", "text/xml; charset=utf-8")).toBe(true);
    expect(isXmlBody("anything", "application/soap+xml")).toBe(true);
    expect(isXmlBody("<svg/>", "image/svg+xml")).toBe(true);
  });

  it("recognises undeclared documents by their shape, but not HTML or other declared types", () => {
    expect(isXmlBody(`  ${soap}\n`, null)).toBe(true);
    expect(isXmlBody("<note><to>Ada</to></note>", "text/plain")).toBe(true);
    expect(isXmlBody("<!DOCTYPE html><html><body></body></html>", null)).toBe(false);
    expect(isXmlBody("<html><body></body></html>", "text/plain")).toBe(false);
    expect(isXmlBody("<note>", "text/html")).toBe(false);
    expect(isXmlBody("a < b and c > d", null)).toBe(false);
    expect(isXmlBody("<unfinished", null)).toBe(false);
  });
});

describe("prettyXml", () => {
  it("indents a SOAP envelope by two spaces, entities kept as written", () => {
    const pretty = prettyXml(soap, size(soap));
    expect(pretty).toEqual({
      ok: true,
      text: [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">',
        "  <soap:Body>",
        '    <m:GetPrice xmlns:m="urn:x">',
        "      <m:Item>Apples &amp; pears</m:Item>",
        "    </m:GetPrice>",
        "  </soap:Body>",
        "</soap:Envelope>",
      ].join("\n"),
    });
  });

  it("gives the parser's reason for a mismatched tag, and for more than one root", () => {
    expect(prettyXml("<a><b></a>", 10)).toEqual({ ok: false, reason: 'it is not well-formed XML (Closing tag not matching "</b>")' });
    expect(prettyXml("<a></a><b></b>", 14)).toMatchObject({ ok: false, reason: expect.stringMatching(/^it is not well-formed XML \(.*multiple root/) });
    expect(prettyXml("<a>", 3)).toMatchObject({ ok: false, reason: expect.stringContaining("not well-formed") });
  });

  it("does not pretty-print past its size bound, and says so", () => {
    const big = `<r>${"<i>x</i>".repeat(xmlPrettyMaxBytes / 8)}</r>`;
    expect(prettyXml(big, size(big))).toEqual({ ok: false, reason: "it is 128.0 KB, more than the 128.0 KB pretty-printed in the browser" });
  });
});
