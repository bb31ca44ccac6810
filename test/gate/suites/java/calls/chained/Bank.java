class Repo {
    Account find(String id) {
        return null;
    }
}

class Account {
    Account deposit(int n) {
        return this;
    }

    void save() {
    }
}

class Service {
    private final Repo repo;

    Service(Repo repo) {
        this.repo = repo;
    }

    void pay() {
        repo.find("a").deposit(5).save();
    }
}
