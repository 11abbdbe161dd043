"""Personal data: who read it (the read log), the data subject's export and erasure, and the
retention rules that erase what is no longer needed (``docs/privacy.md``)."""
