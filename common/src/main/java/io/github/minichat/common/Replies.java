package io.github.minichat.common;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.Message;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns a request handler returning a {@link Future} into an event-bus consumer that replies or fails by code. */
public final class Replies {

  private static final Logger LOG = LoggerFactory.getLogger(Replies.class);

  private Replies() {
  }

  public static <T, R> Handler<Message<T>> of(Function<T, Future<R>> handler) {
    return message -> {
      Future<R> result;
      try {
        result = handler.apply(message.body());
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onSuccess(message::reply).onFailure(failure -> fail(message, failure));
    };
  }

  public static void fail(Message<?> message, Throwable failure) {
    ChatError error = ChatError.of(failure);
    if (error == ChatError.INTERNAL) {
      LOG.error("Request to {} failed", message.address(), failure);
    }
    message.fail(error.failureCode(), ChatException.clientMessage(failure));
  }
}
