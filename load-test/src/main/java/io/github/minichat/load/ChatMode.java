package io.github.minichat.load;

/** Who talks to whom in a chat run. */
enum ChatMode {
  /** Users 0 and 1, 2 and 3, … talk to each other. */
  PAIRS,
  /** Each user talks to k peers drawn at random (fixed for the run), one of them at random per message. */
  PEERS
}
