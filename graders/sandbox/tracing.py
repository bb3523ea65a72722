"""The worker's tracer: which of the submission's own lines ran, and where numbers appeared.

Loaded by ``worker.py`` from beside it (by path, before the guard goes up; standard
library only, like the worker). The trusted side (``graders.places``) asks the worker to
run one small composition, most often one op alone on fresh leaves, under a :class:`Tracer`,
and decides from what comes back which line computed a wrong number. Nothing here decides
anything.

What is recorded, for frames of code in the submission's folder only (the grader's and
the libraries' code never counts):

* ``lines``: every line that ran, in order, with its phase (``forward`` while the nodes
  are built, ``backward`` during the reverse pass) and a code key (file, first line,
  qualified name) that says which function it is in;
* ``numbers``: every number that first appears (a new object, by identity) in a frame's
  locals (and two levels into tuples and lists, namedtuples too), in a function's
  arguments, or in a value a function returns, with the place that made it (the line
  just run, the returning line, or the caller's line for arguments); and every number
  handed to a function of the submission by another, or returned by one (``new`` false
  when it was met before). A number is a float (NumPy's ``float64`` and other floating
  scalars too, as a float) or a NumPy array of at most ``MOST_ELEMENTS`` numbers, as
  ``[shape, [numbers]]`` (needle's and DeZero's values are arrays: NumPy is looked up
  where the submission imported it, never imported here);
* every place comes with the places of the submission's frames that called it, innermost
  first (``[place, caller, ...]``): a number computed in shared code (a helper, another
  op's method) is traced to the op's own line that led there;
* ``writes``: every change of a watched node's gradient (read as the API says, between
  two events), with the place that made it (the line just run in the frame where the
  change was seen).

* ``stores``: every number stored into a dict a frame of the submission holds (a reverse
  pass that keeps gradients in a dict: ``derivatives[v.unique_id] = d``), with the number
  it replaced (``was``) and the place that stored it; after a line that stores into a
  container (``STORE_SUBSCR``, read from its bytecode), also a list of contributions put
  in a dict's place or an item of a list put over another (needle's
  ``node_to_output_grads_list[inp] = [grad]``, ``grads[0] = g``: a list counts as the sum
  of its items, an engine's node as its value, read as the API says: ``item``), and the
  very object a slot held stored into it again (``derivatives[k] = d`` with ``d`` what
  that line stored there before: no change to see, yet a store over the earlier value);

and apart from the record, :attr:`Tracer.failed`: when the run raised (:meth:`Tracer.raised`),
the line of the submission that raised, with their lines that called it, innermost first,
read from the exception's traceback (kept even when the record is not: a recursion that
overflows the events still has its line).

Python 3.12 and later use ``sys.monitoring`` (a tool id of its own); earlier Pythons
``sys.settrace``. If the tracing is disturbed (the submission sets a trace function of
its own, or frees the tool), :meth:`Tracer.stop` says so and the record is thrown away:
a finding then has no place, never a wrong one.
"""

import collections
import dis
import sys

#: The most events recorded in one traced run; more and the record is dropped.
MOST_EVENTS = 20000
#: The most callers recorded with a number or a write.
MOST_CALLERS = 12
#: The most frames of a traceback looked at (a recursion is some thousand deep).
MOST_FRAMES = 100000
#: Numbers looked at per event (a frame's locals, an argument tuple's items).
MOST_SCANNED = 64
#: The most numbers an array may hold to be recorded (a bigger one is no number).
MOST_ELEMENTS = 256
#: Loads whose name the statement of a ``STORE_SUBSCR`` line starts with: the value stored.
_NAME_LOADS = ("LOAD_FAST", "LOAD_DEREF", "LOAD_NAME", "LOAD_FAST_LOAD_FAST", "LOAD_FAST_CHECK")


class Disturbed(Exception):
    """The run was not traced as asked (too long, or tracing was switched off)."""


class Tracer:
    """Records what :func:`Tracer.record` describes while started, for code under ``folder``.

    ``watched``: ``[(index, read)]``, each ``read()`` the number a node's gradient reads as
    now (a float, None, or anything else), looked at on every event. ``item(value)``: an
    object stored into a container (an engine's node) as a number, or None (the worker's:
    the node's value read as the API says)."""

    def __init__(self, folder, number=None, item=None):
        self.number = number or float  # how a watched gradient reads as numbers
        self.item = item
        self.folder = folder.rstrip("/") + "/"
        self.phase = "forward"
        self.lines = []
        self.numbers = []
        self.writes = []
        self.stores = []
        self._items = {}  # (id of a dict, key) -> the value it held last
        self._tables = {}  # id -> every dict and list looked into
        self._store_lines = {}  # code -> {line: the name its stored value is loaded from}
        self.watched = []
        self.failed = None  # the places of the line that raised, from its traceback
        self._last = {}  # frame -> the line it last ran
        self._seen = {}  # id -> float, every float met (kept alive so ids stay unique)
        self._held = []  # every gradient object watched (kept alive so ids stay unique)
        self._objects = {}  # id -> every object a gradient read by identity held
        self._state = {}  # watched index -> what it read last
        self._codes = {}  # code -> its key, or None for code outside the folder
        self._events = 0
        self._overflow = False
        self.result = None  # the record, once finished (``finish``)
        self._monitoring = None
        self._installed = None  # the trace function set (``start``)
        self._started = False
        self._reading = False
        numpy = sys.modules.get("numpy")  # as the submission imported it, if it did
        self._arrays = () if numpy is None else (numpy.ndarray, numpy.floating)

    # --- what is looked at -------------------------------------------------------------

    def known(self, *values):
        """Floats that exist before the run (the point's numbers): never new."""
        for value in values:
            self._new(value)

    def watch(self, index, read):
        """Watch a gradient: ``read()`` gives what the node holds, ``self.number`` makes it a
        number (the worker's ``number``)."""
        # Read first: a property that reads it runs traced, and must see it unwatched.
        read = _Watched(read)
        self._state[index] = self._read(read)
        self.watched.append((index, read))

    def enter(self, phase):
        """The next phase (``backward``): what the grader's own code did in between is no
        line's of the submission."""
        self.phase = phase
        self._resync()

    def _resync(self):
        for index, read in self.watched:
            self._state[index] = self._read(read)

    def _key(self, code):
        try:
            return self._codes[code]
        except KeyError:
            pass
        name = code.co_filename
        key = None
        if isinstance(name, str) and name.startswith(self.folder):
            key = (name, code.co_firstlineno, getattr(code, "co_qualname", code.co_name))
        self._codes[code] = key
        return key

    def _new(self, value):
        """Whether ``value`` is a number not met before (and remember it)."""
        if id(value) in self._seen or not self._is_number(value):
            return False
        self._seen[id(value)] = value
        return True

    def _is_number(self, value):
        return type(value) is float or isinstance(value, (float, *self._arrays))

    def _floats(self, value, depth=2):
        """The numbers in ``value``, and in its tuples and lists two levels down (a tape's
        ``[(parent, partial), ...]``; a namedtuple dual number's ``Pair(primal, dot)``)."""
        if self._is_number(value):
            return [value]
        if depth and isinstance(value, (tuple, list)):
            return [f for v in value[:MOST_SCANNED] for f in self._floats(v, depth - 1)]
        return []

    def _plain(self, value):
        """A number as plain data: a float, or an array as ``[shape, [floats]]``; None for
        an array too big, or one that is not of numbers."""
        if type(value) is float:
            return value
        if isinstance(value, float) or not (self._arrays and isinstance(value, self._arrays[0])):
            return float(value)
        if value.size > MOST_ELEMENTS or value.dtype.kind not in "fiu":
            return None
        return [list(value.shape), [float(v) for v in value.ravel().tolist()]]

    def _read(self, read):
        self._reading, reading = True, self._reading
        try:
            return self._look(read)
        finally:
            self._reading = reading

    def _look(self, read):
        """What a watched gradient holds: a float by identity (``x.grad = out.grad`` twice
        writes the same value, but another object), anything else by its value as a number
        (an array read through ``float()`` is a new object every time)."""
        try:
            raw = read()
            value = raw if type(raw) is float else self.number(raw)
            if read.by_object is None and raw is not None and type(raw) is not float:
                # Does it give the very same object again (an attribute that holds it)?
                # Then a write of an equal value, but another object, is seen too
                # (``x.grad = gx`` over an equal gradient; zeros set over zeros). Asked once.
                read.by_object = read() is raw
        except BaseException:  # a student's property may raise anything
            return ("raised", None)
        if read.by_object:  # the object it holds, and its value
            self._objects[id(raw)] = raw  # kept alive so ids stay unique
            return (id(raw), repr(value), value if type(value) in (float, list) else None)
        if type(value) is list:  # an array's ``[shape, data]`` (the tensor kind's number)
            return (repr(value), value)
        if type(value) is not float:
            return (repr(type(raw)), None)
        if raw is value:
            self._held.append(raw)
            return (id(raw), value)
        return (repr(value), value)

    def raised(self, error):
        """Keep where ``error`` was raised in the submission: the innermost frame of its
        traceback in the submission's code, and theirs that called it. The worker wraps a
        student's exception (``raise BuildError(...) from None``): its context is the one
        raised in their code."""
        cause = error.__cause__ or error.__context__ or error
        # A recursion overflows as a function is entered, before its first line ran: the
        # ``def`` line is no line of its, the one that called it is.
        entered = isinstance(cause, RecursionError)
        frames = collections.deque(maxlen=MOST_CALLERS)  # the innermost (a deep recursion)
        tb, walked = cause.__traceback__, 0
        while tb is not None and walked < MOST_FRAMES:
            code = tb.tb_frame.f_code
            key = self._key(code)
            if key is not None and not (entered and tb.tb_lineno == code.co_firstlineno):
                frames.append(self._place(key, tb.tb_lineno))
            tb, walked = tb.tb_next, walked + 1
        self.failed = list(frames)[::-1] or None

    # --- events ------------------------------------------------------------------------

    def _place(self, key, line):
        return [key[0], line, key[2], key[1]]

    def _event(self, frame, kind, arg, key):
        if self._reading:  # the grader reading a gradient (a property): no line of the run
            return
        # An exception in a trace function would surface in the submission's code: never.
        try:
            self._record(frame, kind, arg, key)
        except BaseException:
            self._overflow = True
            self.stop_tracing()

    def _record(self, frame, kind, arg, key):
        self._events += 1
        if self._events > MOST_EVENTS:
            self._overflow = True
            self.stop_tracing()
            return
        line = frame.f_lineno
        before = self._last.get(frame)
        if kind == "line":
            self.lines.append([self._events, self.phase, [self._place(key, line)]])
        # The line whose effects this event is the first to see.
        done = line if kind == "return" else before
        caller = frame.f_back
        caller_key = self._key(caller.f_code) if caller is not None else None
        if kind == "call":  # the line of the submission's that called it, if one did
            done, key_done = None, None
            if caller is not None and caller_key is not None:
                done, key_done = caller.f_lineno, caller_key
        else:
            key_done = key
        if done is not None:
            outer = caller.f_back if kind == "call" and caller is not None else caller
            self._scan(frame, kind, arg, key_done, done, outer)
            self._check_writes(key_done, done, outer)
        else:  # no line of the submission's ran since the last look (the grader seeded)
            self._resync()
        if kind == "line":
            self._last[frame] = line
        elif kind == "return":
            self._last.pop(frame, None)

    def _stack(self, frame):
        """The places of the submission's frames that called this one, innermost first."""
        places = []
        while frame is not None and len(places) < MOST_CALLERS:
            key = self._key(frame.f_code)
            if key is not None:
                places.append(self._place(key, frame.f_lineno))
            frame = frame.f_back
        return places

    def _scan(self, frame, kind, arg, key_done, done, outer):
        found = []
        try:
            local = frame.f_locals
            for value in list(local.values())[:MOST_SCANNED]:
                found += [(v, "call" if kind == "call" else "local") for v in self._floats(value)]
        except BaseException:
            pass
        if kind == "return":
            found += [(v, "return") for v in self._floats(arg)]
        if kind != "call":
            self._check_stores(frame.f_code, local, key_done, done, outer)
        for value, how in found:
            new = self._new(value)
            if new or how != "local":  # handed on or returned: where a number goes, too
                plain = self._plain(value)
                if plain is None:
                    continue
                place = [self._place(key_done, done), *self._stack(outer)]
                self.numbers.append([self._events, self.phase, how, plain, new, place])

    def _check_stores(self, code, local, key_done, done, outer):
        """A number stored into a dict a frame holds (``derivatives[v.unique_id] = d``, a
        reverse pass that keeps gradients in a dict): recorded with the value it replaced
        (``was``: None when it held none, or no number). After a line that stores into a
        container, lists too, and the same object stored again (``_stored_again``)."""
        try:
            held = list(local.values())[:MOST_SCANNED]
        except BaseException:
            return
        tables = [v for v in held if type(v) is dict]
        storing = self._storing(code).get(done, False) is not False
        changed = False
        for table in tables:
            items = list(table.items())[:MOST_SCANNED]
            changed |= self._slots(table, items, storing, key_done, done, outer)
        if not storing:
            return
        # a dict's lists of contributions (a frame's own lists are queues and orders)
        lists = [v for t in tables for v in list(t.values())[:MOST_SCANNED] if type(v) is list]
        for items in lists:  # an item put over another: ``grads[node][0] = g``
            changed |= self._slots(
                items, list(enumerate(items[:MOST_SCANNED])), True, key_done, done, outer
            )
        if not changed:
            self._stored_again(local, tables + lists, code, done, outer)

    def _slots(self, container, items, storing, key_done, done, outer):
        """Record each slot of ``container`` that holds another object than it did; True
        if any did (a slot new or changed)."""
        self._tables.setdefault(id(container), container)  # kept alive so ids stay unique
        changed = False
        for key, value in items:
            slot = (id(container), key)
            missing = slot not in self._items
            was = self._items.get(slot)
            if not missing and was is value:
                continue
            changed = True
            self._items[slot] = value
            if self._is_number(value) or (storing and not missing):
                self._store(value, was, key_done, done, outer)
        return changed

    def _stored_again(self, local, containers, code, done, outer):
        """The line stored the very object a slot held (``derivatives[k] = d`` again, its
        value the object of the name the statement loads first): nothing changed, so the
        slot it stored into is one that holds that object already, stored over with what
        it held (needle's ``grads[node][0] = g`` too, where the list was made elsewhere)."""
        name = self._storing(code).get(done)
        if not name or name not in local:
            return
        value, key_done = local[name], self._key(code)
        for container in containers:
            items = container.items() if type(container) is dict else enumerate(container)
            if any(held is value for _, held in list(items)[:MOST_SCANNED]):
                self._store(value, value, key_done, done, outer)
                return

    def _store(self, value, was, key_done, done, outer):
        plain = self._amount(value)
        if plain is None:
            return
        before = None if was is None else self._amount(was)
        place = [self._place(key_done, done), *self._stack(outer)]
        self.stores.append([self._events, self.phase, plain, before, place])

    def _amount(self, value):
        """A stored value as a number: a number as it is, a list as the sum of its items,
        an engine's node by ``item``; None if it is none of these."""
        if self._is_number(value):
            return self._plain(value)
        if type(value) is list:
            total = None
            for part in [self._amount(v) for v in value[:MOST_SCANNED]]:
                total = part if total is None else _added(total, part)
                if total is None:
                    return None
            return total
        if self.item is None:
            return None
        self._reading, reading = True, self._reading  # the API's read is no line of the run
        try:
            found = self.item(value)
        except BaseException:
            return None
        finally:
            self._reading = reading
        return found if type(found) is float or _is_plain_array(found) else None

    def _storing(self, code):
        """The lines of ``code`` that store into a container (``x[k] = v``), each with the
        name the statement loads first (the value stored, when a name), or None."""
        found = self._store_lines.get(code)
        if found is None:
            found = {}
            try:
                start, first = None, None
                for ins in dis.get_instructions(code):
                    line = _line_of(ins)
                    if line is not None and line != start:
                        start, first = line, None
                    if first is None and ins.opname not in ("RESUME", "NOP", "CACHE"):
                        first = ins
                    if ins.opname == "STORE_SUBSCR" and start is not None and first is not None:
                        name = first.argval if first.opname in _NAME_LOADS else None
                        name = name[0] if isinstance(name, tuple) else name
                        found[start] = name if isinstance(name, str) else None
            except BaseException:
                found = {}
            self._store_lines[code] = found
        return found

    def _check_writes(self, key_done, done, outer):
        for index, read in self.watched:
            now = self._read(read)
            if now != self._state[index]:
                old = self._state[index]
                self._state[index] = now
                value, was = now[-1], old[-1]
                place = [self._place(key_done, done), *self._stack(outer)]
                self.writes.append([self._events, self.phase, index, value, was, place])

    # --- sys.settrace (Python up to 3.11) ------------------------------------------------

    def _global(self, frame, event, arg):
        key = self._key(frame.f_code)
        if key is None:
            return None
        self._event(frame, "call", arg, key)
        return self._local

    def _local(self, frame, event, arg):
        key = self._key(frame.f_code)
        if key is not None and event in ("line", "return"):
            self._event(frame, event, arg, key)
        return self._local

    # --- sys.monitoring (Python 3.12 and later) ------------------------------------------

    def _start_monitoring(self):
        # sys.monitoring is 3.12's; pyright checks as 3.11, where this never runs
        monitoring = sys.monitoring  # pyright: ignore[reportAttributeAccessIssue]
        tool = next(
            (t for t in range(5, 0, -1) if monitoring.get_tool(t) is None), None
        )  # 0 (debuggers) and profilers' ids are left alone
        if tool is None:
            raise Disturbed("no sys.monitoring tool id free")
        monitoring.use_tool_id(tool, "chaingrade")
        events = monitoring.events
        get_frame = sys._getframe
        disable = monitoring.DISABLE

        def start(code, offset):
            key = self._key(code)
            if key is None:
                return disable
            self._event(get_frame(1), "call", None, key)

        def line(code, number):
            key = self._key(code)
            if key is None:
                return disable
            self._event(get_frame(1), "line", None, key)

        def done(code, offset, value):
            key = self._key(code)
            if key is None:
                return disable
            self._event(get_frame(1), "return", value, key)

        monitoring.register_callback(tool, events.PY_START, start)
        monitoring.register_callback(tool, events.LINE, line)
        monitoring.register_callback(tool, events.PY_RETURN, done)
        monitoring.restart_events()
        monitoring.set_events(tool, events.PY_START | events.LINE | events.PY_RETURN)
        self._monitoring = tool

    # --- start and stop ----------------------------------------------------------------

    def start(self):
        self._started = True
        if hasattr(sys, "monitoring"):
            self._start_monitoring()
        else:
            self._installed = _behind_a_function(self._global)
            sys.settrace(self._installed)

    def stop_tracing(self):
        """Stop, whatever state things are in; True if tracing was still on as started."""
        if not self._started:  # never started (only ``raised`` was wanted): no record
            return False
        if self._monitoring is not None:
            monitoring = sys.monitoring  # pyright: ignore[reportAttributeAccessIssue] (3.12)
            intact = monitoring.get_tool(self._monitoring) == "chaingrade"
            if intact:
                intact = monitoring.get_events(self._monitoring) != 0
                monitoring.set_events(self._monitoring, 0)
                monitoring.free_tool_id(self._monitoring)
            self._monitoring = None
            return intact
        intact = sys.gettrace() is self._installed
        sys.settrace(None)
        return intact

    def stop(self):
        """Stop tracing; raises Disturbed if the record cannot be trusted."""
        intact = self.stop_tracing()
        self._last.clear()
        if self._overflow:
            raise Disturbed("too many events")
        if not intact:
            raise Disturbed("tracing was switched off while the submission ran")

    def finish(self):
        """Stop, and keep what was recorded in ``self.result`` (None if it cannot be
        trusted: see :meth:`stop`)."""
        try:
            self.stop()
            self.result = self.record()
        except Disturbed:
            self.result = None

    def record(self):
        """What was recorded, as plain data."""
        return {
            "lines": self.lines,
            "numbers": self.numbers,
            "writes": self.writes,
            "stores": self.stores,
        }


class _Watched:
    """A watched gradient's read, and whether what it holds is compared by object besides
    value (None until it first holds an object that is no float)."""

    def __init__(self, read):
        self.read = read
        self.by_object = None

    def __call__(self):
        return self.read()


def _line_of(ins):
    """An instruction's line (3.13 and later: ``line_number``; before: where one starts)."""
    line = getattr(ins, "line_number", None)
    if line is None and type(ins.starts_line) is int:
        line = ins.starts_line
    return line


def _is_plain_array(value):
    return type(value) is list and len(value) == 2 and type(value[1]) is list


def _added(a, b):
    """Two plain numbers' sum (floats, or arrays of one shape as ``[shape, data]``)."""
    if type(a) is float and type(b) is float:
        return a + b
    if type(a) is list and type(b) is list and _is_plain_array(a) and a[0] == b[0]:
        return [a[0], [x + y for x, y in zip(a[1], b[1])]]
    return None


def _behind_a_function(trace):
    """``trace`` (a bound method) behind a plain function: ``sys.gettrace()`` hands out
    what was set, with no audit event, and a bound method's ``__self__`` is this tracer,
    whose records make ``where``. A default is read with an audit event the worker's guard
    refuses to the submission."""

    def traced(frame, event, arg, _trace=trace):
        return _trace(frame, event, arg)

    return traced
