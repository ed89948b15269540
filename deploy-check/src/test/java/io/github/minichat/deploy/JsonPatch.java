package io.github.minichat.deploy;

import java.util.List;
import java.util.Map;

/** JSON 6902 add, replace and remove on plain maps and lists; a path that does not resolve fails. */
final class JsonPatch {

  private JsonPatch() {
  }

  @SuppressWarnings("unchecked")
  static void apply(Map<String, Object> document, Map<String, Object> operation) {
    String op = (String) operation.get("op");
    String[] tokens = ((String) operation.get("path")).substring(1).split("/");
    Object parent = document;
    for (int i = 0; i < tokens.length - 1; i++) {
      parent = child(parent, unescape(tokens[i]), operation);
    }
    String last = unescape(tokens[tokens.length - 1]);
    Object value = operation.get("value");
    if (parent instanceof Map<?, ?> map) {
      Map<String, Object> object = (Map<String, Object>) map;
      switch (op) {
        case "add" -> object.put(last, value);
        case "replace", "remove" -> {
          if (!object.containsKey(last)) {
            throw new IllegalArgumentException(op + " of a missing field: " + operation);
          }
          if (op.equals("replace")) {
            object.put(last, value);
          } else {
            object.remove(last);
          }
        }
        default -> throw new IllegalArgumentException("unsupported operation " + operation);
      }
    } else if (parent instanceof List<?> list) {
      List<Object> array = (List<Object>) list;
      int index = last.equals("-") ? array.size() : Integer.parseInt(last);
      switch (op) {
        case "add" -> array.add(index, value);
        case "replace" -> array.set(index, value);
        case "remove" -> array.remove(index);
        default -> throw new IllegalArgumentException("unsupported operation " + operation);
      }
    } else {
      throw new IllegalArgumentException("path does not resolve: " + operation);
    }
  }

  private static Object child(Object parent, String token, Map<String, Object> operation) {
    Object child = parent instanceof Map<?, ?> map ? map.get(token)
        : parent instanceof List<?> list ? list.get(Integer.parseInt(token)) : null;
    if (child == null) {
      throw new IllegalArgumentException("path does not resolve: " + operation);
    }
    return child;
  }

  private static String unescape(String token) {
    return token.replace("~1", "/").replace("~0", "~");
  }
}
