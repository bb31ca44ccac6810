interface Task {
    void execute();
}

class Runner {
    void submit(Task t) {
        t.execute();
    }
}

class Scheduler {
    void nightly(Runner runner) {
        runner.submit(new Task() {
            public void execute() {
                purge();
            }
        });
    }

    void purge() {
    }
}
