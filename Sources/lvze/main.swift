import Foundation
import LvzeDemo
import LvzeServer

LvzeMain.runTasksOnEventLoops()
exit(await LvzeMain.run(demo: DemoLoader()))
