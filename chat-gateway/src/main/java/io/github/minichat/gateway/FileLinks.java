package io.github.minichat.gateway;

/**
 * Links to uploads for one reader, minted as frames are written (never stored): absolute, signed for that reader,
 * short-lived. A reader who keeps a message longer asks for fresh ones ({@code GET /api/files/<id>/link}).
 */
@FunctionalInterface
interface FileLinks {

  /** The link to the upload, or to its thumbnail. */
  String url(String fileId, boolean thumb);
}
