public class Main {
    int one() {
        Repo repo = new Repo();
        return repo.bundles("a");
    }

    int three() {
        Repo repo = new Repo(5);
        repo.log("paged %d", 3);
        return repo.bundles("a", 0, 10);
    }
}
