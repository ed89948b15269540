package io.github.minichat.gateway;

import io.github.minichat.common.UserTokens;
import io.github.minichat.platform.Env;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints a user token signed with the configured secret (CHAT_JWT_SECRET), for trying the server out. */
@Command(name = "mint-token", mixinStandardHelpOptions = true,
    description = "Prints an HS256 token for a user id, signed with CHAT_JWT_SECRET (or the dev secret).")
public final class MintToken implements Callable<Integer> {

  @Parameters(index = "0", description = "the numeric user id (the token's sub)")
  private long userId;

  @Option(names = {"-t", "--ttl-hours"}, defaultValue = "24", description = "validity in hours (default: 24)")
  private long ttlHours;

  @Override
  public Integer call() {
    if (userId <= 0) {
      System.err.println("user id must be positive");
      return 2;
    }
    System.out.println(UserTokens.mint(GatewayConfig.jwtSecret(Env.system()), userId, Duration.ofHours(ttlHours)));
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new MintToken()).execute(args));
  }
}
