class Main {
    static void helper() {
    }

    void run() {
        helper();
        this.other(1);
    }

    void other(int x) {
        Util.twice(x);
    }
}
