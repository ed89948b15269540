package io.github.minichat.load;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A gateway's WebSocket endpoint, from a {@code ws://host:port/path} URL. */
record GatewayTarget(String host, int port, String path) {

  static GatewayTarget parse(String url) {
    URI uri = URI.create(url.trim());
    if (!"ws".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("'" + url + "' is not a ws://host:port/path URL");
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/ws" : uri.getRawPath();
    return new GatewayTarget(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort(), path);
  }

  /** Source addresses 127.0.0.x can only reach a loopback destination. */
  boolean loopback() {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The handshake URI; the token rides in the query string, as mini-program sockets send it. */
  String uriWithToken(String token) {
    return path + "?token=" + token;
  }

  @Override
  public String toString() {
    return "ws://" + host + ":" + port + path;
  }

  static final class Converter implements ITypeConverter<GatewayTarget> {
    @Override
    public GatewayTarget convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
