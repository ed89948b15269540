/** Real PNG files written by hand (no image library): what the browser tests upload. */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG of width × height whose pixels are `color(x, y)` → [r, g, b]. */
export function png(width, height, color) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, truecolour, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) rows.set(color(x, y), row + 1 + x * 3);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A sunset over hills: a picture whose thumbnail is worth looking at. */
export function sunset(width, height) {
  return png(width, height, (x, y) => {
    const hill = height * 0.72 + Math.sin(x / 37) * 14 + Math.sin(x / 11) * 4;
    if (y > hill) return [34 + (y % 7), 70, 48];
    const sun = Math.hypot(x - width * 0.68, y - height * 0.58);
    if (sun < height * 0.16) return [255, 214, 102];
    const t = y / hill;
    return [Math.round(70 + 185 * t), Math.round(60 + 90 * t), Math.round(160 - 60 * t)];
  });
}

/** A chequerboard, blue and white. */
export function squares(width, height) {
  return png(width, height, (x, y) => ((Math.floor(x / 25) + Math.floor(y / 25)) % 2 ? [37, 99, 235] : [250, 250, 250]));
}
