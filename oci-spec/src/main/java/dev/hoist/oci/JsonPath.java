package dev.hoist.oci;

/**
 * Where a hand-written codec is in a document, for error messages: what the document is ("image config")
 * and the JSON path of the value being read ({@code config.Healthcheck.Interval}, {@code layers[0].digest}).
 * Immutable.
 */
record JsonPath(String what, String path) {

    /** The top of a document. */
    static JsonPath root(String what) {
        return new JsonPath(what, "");
    }

    /** The member {@code name} of the object here. */
    JsonPath field(String name) {
        return new JsonPath(what, path.isEmpty() ? name : path + "." + name);
    }

    /** The element {@code index} of the array here. */
    JsonPath index(int index) {
        return new JsonPath(what, path + "[" + index + "]");
    }

    /** An error for the value here: {@code invalid <what>: <path>: <problem>}. */
    InvalidContentException error(String problem) {
        return InvalidContentException.malformed(what, path.isEmpty() ? problem : path + ": " + problem);
    }
}
