import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { StoredBlob } from './store.js';

/** Content address of bytes: `sha256:<hex>` of the uncompressed data. */
export function blobAddress(data: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/**
 * Encodes a blob for storage. Brotli at a middling quality: prompts compress well and quality 11
 * would cost more time per model call than it saves in bytes.
 */
export function encodeBlob(data: Uint8Array): StoredBlob {
  const packed = brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength },
  });
  const address = blobAddress(data);
  if (packed.byteLength < data.byteLength) return { address, encoding: 'br', size: data.byteLength, data: packed };
  return { address, encoding: 'identity', size: data.byteLength, data: Buffer.from(data) };
}

export class BlobError extends Error {
  override name = 'BlobError';
}

/** Decodes a stored blob and checks it against its address. */
export function decodeBlob(blob: StoredBlob): Buffer {
  let data: Buffer;
  if (blob.encoding === 'br') {
    try {
      data = brotliDecompressSync(blob.data);
    } catch {
      throw new BlobError(`blob ${blob.address} does not decompress`);
    }
  } else if (blob.encoding === 'identity') {
    data = Buffer.from(blob.data);
  } else {
    throw new BlobError(`blob ${blob.address} has unknown encoding ${JSON.stringify(blob.encoding)}`);
  }
  if (data.byteLength !== blob.size) throw new BlobError(`blob ${blob.address} has ${data.byteLength} bytes, expected ${blob.size}`);
  if (blobAddress(data) !== blob.address) throw new BlobError(`blob ${blob.address} content does not match its address`);
  return data;
}
