package io.github.minichat.gateway;

/** Makes the {@link FileLinks} of one reader, with links under {@code baseUrl} (scheme, host and port). */
@FunctionalInterface
interface LinkSigner {

  FileLinks forReader(long userId, String baseUrl);
}
