/**
 * Pictures and files as the app sees them: what `uploadFile` and `fileLink` resolve with (camelCase, as the module
 * names things itself), and the sender's own copy of a picture or file message, shaped as the server's `text`
 * frame carries it (`kind`, `data`, `file` with the frame's own field names).
 */
import { MiniChatError } from './errors.js';

/** The server's default upload limit (CHAT_MAX_FILE_BYTES): a larger file is refused before a byte is sent. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

/** The answer to `POST /api/files`. */
export function uploadInfo(body) {
  const upload = {
    id: String(body.id),
    kind: body.kind === 'image' ? 'image' : 'file',
    name: body.name,
    mime: body.mime,
    size: Number(body.size),
    url: body.url,
  };
  if (body.width != null) upload.width = Number(body.width);
  if (body.height != null) upload.height = Number(body.height);
  if (body.thumb_url != null) upload.thumbUrl = body.thumb_url;
  return upload;
}

/** The answer to `GET /api/files/<id>/link`. */
export function fileLinkInfo(body) {
  const link = { url: body.url, expiresAt: Number(body.expires_at) };
  if (body.thumb_url != null) link.thumbUrl = body.thumb_url;
  return link;
}

/** An upload as a message's `file`, in the frame's own field names. */
export function messageFile(upload) {
  const file = { id: upload.id, name: upload.name, mime: upload.mime, size: upload.size, url: upload.url };
  if (upload.kind === 'image') {
    file.width = upload.width;
    file.height = upload.height;
    file.thumb_url = upload.thumbUrl;
  }
  return file;
}

/** What a text-only client shows of a picture or file message: the server's placeholder with the link. */
export function placeholder(upload) {
  return upload.kind === 'image' ? `[图片] ${upload.url}` : `[文件] ${upload.name} ${upload.url}`;
}

/**
 * What the app passed as a file, whatever the platform gives: a mini-program temporary path (a string), an entry
 * of `tempFiles` from chooseImage / chooseMedia / chooseMessageFile (`{path | tempFilePath, size, name?}`), or a
 * Blob / File / bytes in browsers and Node. `name` is the original file name when it is known.
 */
export function describeFile(file, name) {
  if (file == null) throw new MiniChatError('invalid_field', 'file is required');
  if (typeof file === 'string') {
    if (!file) throw new MiniChatError('invalid_field', 'file must not be an empty path');
    return { file, name: name || null, size: null };
  }
  if (typeof file !== 'object') throw new MiniChatError('invalid_field', 'file must be a path, a chosen file, a Blob or bytes');
  const given = name || (typeof file.name === 'string' && file.name ? file.name : null);
  // a Blob is sent as it is, even where the platform adds a `path` to it (Electron's File)
  const path = isBlob(file) ? null
    : typeof file.tempFilePath === 'string' ? file.tempFilePath : typeof file.path === 'string' ? file.path : null;
  const size = Number.isFinite(Number(file.size)) && file.size != null ? Number(file.size)
    : Number.isFinite(file.byteLength) ? file.byteLength : null;
  return { file: path != null ? path : file, name: given, size };
}

function isBlob(value) {
  return typeof Blob === 'function' && value instanceof Blob;
}

/** Refuses what the server would refuse anyway, before any byte leaves: an empty file, or one over the limit. */
export function checkFileSize(size, maxBytes) {
  if (size == null) return null;
  if (size === 0) return new MiniChatError('invalid_field', 'the file is empty');
  if (size > maxBytes) return new MiniChatError('too_large', `a file may have at most ${maxBytes} bytes`, { status: 413 });
  return null;
}
