package io.jvmm.runtime.state;

import java.util.random.RandomGenerator;

/** Docker-style random names, {@code adjective_surname} (surnames of scientists and engineers). */
final class NameGenerator {
    private static final String[] ADJECTIVES = {
        "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful",
        "blissful", "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent",
        "condescending", "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted",
        "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting",
        "fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "funny", "gallant", "gifted",
        "goofy", "gracious", "great", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible",
        "inspiring", "intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving",
        "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty",
        "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless",
        "quirky", "quizzical", "recursing", "relaxed", "reverent", "romantic", "sad", "serene", "sharp",
        "silly", "sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty",
        "trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful",
        "xenodochial", "youthful", "zealous", "zen",
    };
    private static final String[] SURNAMES = {
        "agnesi", "allen", "archimedes", "babbage", "backus", "bardeen", "bartik", "bell", "bhabha",
        "borg", "bose", "brattain", "burnell", "carson", "cerf", "chandrasekhar", "clarke", "cori", "curie",
        "darwin", "diffie", "dijkstra", "easley", "einstein", "elion", "engelbart", "euclid", "euler",
        "fermat", "fermi", "feynman", "franklin", "galileo", "gauss", "goldberg", "goodall", "gould",
        "hamilton", "hawking", "heisenberg", "hellman", "hermann", "hopper", "hypatia", "jackson",
        "jennings", "johnson", "kalam", "kapitsa", "kepler", "khorana", "knuth", "lamarr", "lamport",
        "leakey", "leavitt", "lovelace", "lumiere", "mayer", "mccarthy", "mcclintock", "meitner",
        "mendel", "minsky", "mirzakhani", "morse", "napier", "newton", "nobel", "noether", "pare",
        "pascal", "pasteur", "perlman", "pike", "poincare", "ptolemy", "raman", "ramanujan", "ride",
        "ritchie", "rosalind", "saha", "sammet", "shannon", "shirley", "sinoussi", "spence", "stonebraker",
        "swartz", "tesla", "thompson", "torvalds", "turing", "vaughan", "villani", "volhard", "wescoff",
        "wilbur", "wiles", "williams", "wing", "wozniak", "wright", "yalow", "yonath",
    };

    private NameGenerator() {}

    static String next(RandomGenerator random) {
        return ADJECTIVES[random.nextInt(ADJECTIVES.length)] + "_" + SURNAMES[random.nextInt(SURNAMES.length)];
    }
}
