class PaymentException extends Exception {
    PaymentException(String m) {
        super(m);
    }

    String code() {
        return "P1";
    }
}

class Processor {
    void charge() throws PaymentException {
        throw new PaymentException("declined");
    }

    String attempt() {
        try {
            charge();
            return "ok";
        } catch (PaymentException e) {
            return e.code() + e.getMessage();
        } catch (RuntimeException e) {
            return e.toString();
        }
    }
}
