package dev.hoist.runtime;

/** Names for containers started without {@code --name}, in Docker's style: {@code adjective_surname}. Stateless. */
final class ContainerNames {

    private static final String[] ADJECTIVES = {
        "admiring", "affectionate", "amazing", "awesome", "blissful", "bold", "brave", "busy", "charming", "clever",
        "compassionate", "confident", "cool", "dazzling", "determined", "eager", "ecstatic", "elegant", "epic",
        "festive", "focused", "friendly", "gallant", "gifted", "happy", "hopeful", "jolly", "keen", "kind", "laughing",
        "loving", "lucid", "modest", "nifty", "nostalgic", "optimistic", "peaceful", "pensive", "quirky", "relaxed",
        "serene", "sharp", "stoic", "sweet", "tender", "trusting", "upbeat", "vibrant", "wizardly", "zealous",
    };

    private static final String[] SURNAMES = {
        "agnesi", "babbage", "bell", "boole", "curie", "darwin", "dijkstra", "einstein", "euler", "fermat", "feynman",
        "franklin", "galileo", "gauss", "goldwasser", "hamilton", "hopper", "hypatia", "johnson", "kepler", "knuth",
        "lamarr", "lamport", "liskov", "lovelace", "maxwell", "meitner", "mirzakhani", "newton", "noether", "pascal",
        "perlman", "poincare", "ritchie", "shannon", "sinoussi", "tesla", "thompson", "torvalds", "turing", "wilson",
        "wozniak", "yalow", "yonath",
    };

    private ContainerNames() {
    }

    /**
     * The name for attempt {@code attempt} (0, 1, …) of container {@code id}, drawn from the id (random for a user's
     * container); later attempts get a number suffix, as Docker's retries get a digit.
     */
    static String generate(String id, int attempt) {
        int h = id.hashCode();
        String name = ADJECTIVES[Math.floorMod(h, ADJECTIVES.length)] + "_"
                + SURNAMES[Math.floorMod(h / ADJECTIVES.length, SURNAMES.length)];
        return attempt == 0 ? name : name + attempt;
    }
}
