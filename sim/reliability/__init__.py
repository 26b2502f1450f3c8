"""What keeps work safe: durable writes, worker processes that never outlive `mot`, and the
disk budget checked before anything is written."""
