interface Listener {
    void onEvent(String e);
}

class Bus {
    void publish(Listener l, String e) {
        l.onEvent(e);
    }
}

class MailListener implements Listener {
    public void onEvent(String e) {
        send(e);
    }

    void send(String e) {
    }
}

class App {
    void start(Bus bus) {
        bus.publish(new MailListener(), "started");
    }
}
