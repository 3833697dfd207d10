import NIOCore
import NIOPosix

extension LvzeMain {
    /// Runs Swift concurrency's tasks on the server's event loops instead of a pool of their own.
    /// A handler's every database call went from the task's thread to an event loop and back,
    /// waking two threads each time: at 32 connections the bare route answered 9,000 requests a
    /// second before and 12,700 after, the hazard list 620 and 660 (bench/web.sh, 2 cores).
    /// To be called from the main thread before anything awaits; false when another executor is set.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
