package io.github.minichat.systemtest;

import io.github.minichat.gateway.testing.TestPictures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Uploads the way {@code uni.uploadFile} and {@code wx.uploadFile} send them (multipart, one file part named
 * {@code file}, the original name in a form field, a bearer token), and downloads through links, over real HTTP.
 */
final class Uploads {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(ChatSystem.AWAIT).build();

  private Uploads() {
  }

  /** One file in a multipart body; {@code name} (the form field) may be null. */
  static HttpResponse<String> upload(int port, String token, String partFileName, String contentType, byte[] bytes,
                                     String name) {
    String boundary = "----minichat" + UUID.randomUUID();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/files"))
        .timeout(ChatSystem.AWAIT)
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, partFileName, contentType, bytes, name)));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static byte[] multipart(String boundary, String partFileName, String contentType, byte[] bytes, String name) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (name != null) {
      body.writeBytes(utf8("--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n" + name + "\r\n"));
    }
    body.writeBytes(partHeader(boundary, partFileName, contentType));
    body.writeBytes(bytes);
    body.writeBytes(partEnd(boundary));
    return body.toByteArray();
  }

  static byte[] partHeader(String boundary, String partFileName, String contentType) {
    return utf8("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + partFileName
        + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
  }

  static byte[] partEnd(String boundary) {
    return utf8("\r\n--" + boundary + "--\r\n");
  }

  static HttpResponse<byte[]> download(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(ChatSystem.AWAIT).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** A real picture of this size in {@code format} (png, jpeg, gif, bmp). */
  static byte[] picture(String format, int width, int height) {
    return TestPictures.picture(format, width, height);
  }

  /**
   * An upload written by hand over a socket, chunk by chunk, so that a test decides when (and whether) it ends:
   * the way to see what the server does while a body is still coming.
   */
  static final class Streaming implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final String boundary = "----minichat" + UUID.randomUUID();

    Streaming(int port, String token, String contentLength) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout((int) ChatSystem.AWAIT.toMillis());
      out = socket.getOutputStream();
      String framing = contentLength == null ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + contentLength
          + "\r\n";
      out.write(utf8("POST /api/files HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
          + "\r\nContent-Type: multipart/form-data; boundary=" + boundary + "\r\n" + framing + "\r\n"));
      out.flush();
    }

    Streaming beginFile(String partFileName, String contentType) throws IOException {
      return chunk(partHeader(boundary, partFileName, contentType));
    }

    /** {@code bytes} more of the file, in chunks of 64 KiB. */
    Streaming write(long bytes) throws IOException {
      byte[] block = new byte[64 * 1024];
      java.util.Arrays.fill(block, (byte) 'x');
      for (long left = bytes; left > 0; left -= block.length) {
        chunk(left >= block.length ? block : java.util.Arrays.copyOf(block, (int) left));
      }
      return this;
    }

    Streaming finish() throws IOException {
      chunk(partEnd(boundary));
      out.write(utf8("0\r\n\r\n"));
      out.flush();
      return this;
    }

    private Streaming chunk(byte[] bytes) throws IOException {
      out.write(utf8(Integer.toHexString(bytes.length) + "\r\n"));
      out.write(bytes);
      out.write(utf8("\r\n"));
      out.flush();
      return this;
    }

    /** The response's status line, read while the request may still be unfinished. */
    String statusLine() throws IOException {
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
        line.write(b);
      }
      return line.toString(StandardCharsets.US_ASCII).strip();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return HTTP.send(request, body);
    } catch (IOException e) {
      throw new AssertionError(request.method() + " " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
