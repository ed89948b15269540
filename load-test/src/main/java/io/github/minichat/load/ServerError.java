package io.github.minichat.load;

/** An {@code error} frame the server answered a request with, or a socket that closed before the answer. */
final class ServerError extends RuntimeException {

  /** The wire code ({@code rate_limited}, {@code overloaded}…), or {@code closed} / {@code timeout} on our side. */
  final String code;

  ServerError(String code) {
    super(code, null, false, false);
    this.code = code;
  }

  static String codeOf(Throwable failure) {
    return failure instanceof ServerError error ? error.code : FailureReason.of(failure);
  }
}
