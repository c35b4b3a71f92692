// Loaded into `belay serve` with --import by bench/alloc-per-request.js: V8's sampling
// heap profiler, counting every allocation (also those the next GC frees), started on
// SIGUSR1 and written to $BELAY_BENCH_HEAP_PROFILE on SIGUSR2. With
// BELAY_BENCH_HEAP_SURVIVORS=1 it leaves out what a young-generation GC frees: what is
// left is what lived long enough to be copied and promoted, the work of every GC after.
// Bench only; never shipped.
import fs from 'node:fs';
import inspector from 'node:inspector';

const session = new inspector.Session();
session.connect();
process.on('SIGUSR1', () => {
  session.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.BELAY_BENCH_HEAP_SURVIVORS !== '1' });
});
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.stopSampling', (err, result) => {
    fs.writeFileSync(process.env.BELAY_BENCH_HEAP_PROFILE, err ? JSON.stringify({ error: err.message }) : JSON.stringify(result.profile));
  });
});
