package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Uploads in an S3-compatible object store, through the AWS SDK's blocking client on a worker pool of its own
 * ({@code CHAT_S3_THREADS}), so that no event loop waits on the store and a slow store holds a bounded number of
 * threads. Downloads stream through the gateway one chunk at a time, with the response's back-pressure, so that
 * the gateway's headers (type, disposition, no sniffing) and its authorization stand in front of every byte.
 */
final class S3FileStorage implements FileStorage {

  private static final int CHUNK_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final WorkerExecutor workers;
  private final S3Client s3;
  private final String bucket;

  private S3FileStorage(Vertx vertx, WorkerExecutor workers, S3Client s3, String bucket) {
    this.vertx = vertx;
    this.workers = workers;
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** Connects, and creates the bucket when it is missing (a fresh object store, or the tests' own). */
  static Future<FileStorage> open(Vertx vertx, FilesConfig.S3 config) {
    S3Client s3 = client(config);
    WorkerExecutor workers = vertx.createSharedWorkerExecutor("minichat-object-store", config.threads());
    S3FileStorage storage = new S3FileStorage(vertx, workers, s3, config.bucket());
    return storage.blocking(() -> {
      Files.createDirectories(Path.of(storage.uploadsDirectory()));
      try {
        s3.headBucket(request -> request.bucket(config.bucket()));
      } catch (NoSuchBucketException missing) {
        s3.createBucket(request -> request.bucket(config.bucket()));
      }
      return storage;
    }).map(FileStorage.class::cast).onFailure(failure -> storage.close());
  }

  private static S3Client client(FilesConfig.S3 config) {
    AwsCredentialsProvider credentials = config.accessKey() == null
        ? DefaultCredentialsProvider.builder().build()
        : StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
    S3ClientBuilder builder = S3Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder())
        .region(Region.of(config.region()))
        .credentialsProvider(credentials)
        // checksums only where the API requires them: S3-compatible stores differ on the newer trailing ones
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (config.endpoint() != null) {
      // self-hosted stores (MinIO, Ceph, S3Proxy) name buckets in the path, not in the host
      builder.endpointOverride(URI.create(config.endpoint())).forcePathStyle(true);
    }
    return builder.build();
  }

  @Override
  public Future<Void> put(String key, String path, String mime) {
    return blocking(() -> s3.putObject(request -> request.bucket(bucket).key(key).contentType(mime),
        RequestBody.fromFile(Path.of(path)))).mapEmpty();
  }

  @Override
  public Future<Void> put(String key, Buffer bytes, String mime) {
    return blocking(() -> s3.putObject(request -> request.bucket(bucket).key(key).contentType(mime),
        RequestBody.fromBytes(bytes.getBytes()))).mapEmpty();
  }

  @Override
  public Future<Void> send(String key, HttpServerResponse response) {
    Context context = vertx.getOrCreateContext();
    return blocking(() -> {
      try {
        return s3.getObject(request -> request.bucket(bucket).key(key));
      } catch (NoSuchKeyException missing) {
        throw new ChatException(ChatError.NOT_FOUND, "the file is gone");
      }
    }).compose(object -> {
      Long length = object.response().contentLength();
      if (length != null) {
        response.putHeader("Content-Length", Long.toString(length));
      }
      Promise<Void> sent = Promise.promise();
      response.closeHandler(closed -> sent.tryFail("the client went away"));
      pump(object, response, context, sent);
      // aborted, not closed: closing would first read what a client that went away never took
      return sent.future().onComplete(done -> object.abort());
    });
  }

  /** One chunk read on a worker, written on the context; the next only once the response can take it. */
  private void pump(ResponseInputStream<GetObjectResponse> in, HttpServerResponse response, Context context,
                    Promise<Void> sent) {
    blocking(() -> in.readNBytes(CHUNK_BYTES)).onComplete(read -> context.runOnContext(ignored -> {
      if (sent.future().isComplete()) {
        return;
      }
      if (read.failed()) {
        response.reset();
        sent.tryFail(read.cause());
      } else if (read.result().length == 0) {
        response.end().onComplete(sent);
      } else {
        response.write(Buffer.buffer(read.result()));
        if (response.writeQueueFull()) {
          response.drainHandler(drained -> pump(in, response, context, sent));
        } else {
          pump(in, response, context, sent);
        }
      }
    }));
  }

  @Override
  public Future<Void> delete(String key) {
    return blocking(() -> s3.deleteObject(request -> request.bucket(bucket).key(key))).mapEmpty();
  }

  @Override
  public String uploadsDirectory() {
    return Path.of(System.getProperty("java.io.tmpdir"), "minichat-uploads").toString();
  }

  @Override
  public Future<Void> close() {
    s3.close();
    return workers.close();
  }

  private <T> Future<T> blocking(Callable<T> call) {
    return workers.executeBlocking(() -> {
      try {
        return call.call();
      } catch (S3Exception e) {
        String code = e.awsErrorDetails() == null ? Integer.toString(e.statusCode()) : e.awsErrorDetails().errorCode();
        throw new ChatException(ChatError.UNAVAILABLE, "the object store refused: " + code);
      }
    }, false);
  }
}
