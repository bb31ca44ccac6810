interface Ranked {
    int rank();
}

class Player implements Ranked {
    public int rank() {
        return 1;
    }
}

class Box<T extends Ranked> {
    private T value;

    int rankOf() {
        return value.rank();
    }
}

class Ladder {
    <R extends Ranked> int best(R a) {
        return a.rank();
    }
}
