"""A large hazard ledger (隐患排查治理台账) written by xlsxwriter, the way Excel stores it
(shared strings, real date cells), with a merged title row above the header.

python3 bench/make_hazard_xlsx.py OUT.xlsx [ROWS] [--states] [--change N]
    default 100,000 rows, 13 columns; 责任单位 holds the demo district's town codes.
    --states adds 是否销号, 销号日期, 整改进展 and 延期次数 (17 columns): about seven in ten
    closed with a close date, the rest open at some per cent, some extended.
    --change N writes the same rows (same seed) with N of them, spread through the file, moved
    on: progress raised, or an open item now closed — a month's sheet sent again.
"""
import datetime
import random
import sys

import xlsxwriter

HEADER = ["序号", "排查时间", "排查人", "隐患部位", "隐患描述", "隐患等级", "整改措施", "整改期限",
          "责任部门", "整改资金（万元）", "问题来源", "责任单位", "备注"]


STATE_HEADER = ["是否销号", "销号日期", "整改进展", "延期次数"]


def main(path, rows, states=False, change=0):
    rng = random.Random(7)
    # The first open row at or after each of N evenly spread rows is the one that moved on.
    targets = list(range(2, rows + 2, max(1, rows // change)))[:change] if change else []
    next_target = 0
    places = ["配电室", "仓库", "食堂", "锅炉房", "办公楼", "宿舍", "车间", "停车场"]
    departments = ["设备科", "后勤处", "安全科", "办公室", "动力科"]
    people = ["张伟", "李娜", "王强", "赵敏", "孙丽", "周杰", "吴芳", "郑涛"]
    wb = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = wb.add_worksheet("隐患台账")
    bold = wb.add_format({"bold": True, "align": "center"})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    header = HEADER + (STATE_HEADER if states else [])
    ws.merge_range(0, 0, 0, len(header) - 1, "示范区隐患排查治理台账", bold)
    ws.write_row(1, 0, header)
    base = datetime.date(2020, 1, 1)
    for r in range(2, rows + 2):
        found = base + datetime.timedelta(days=rng.randrange(2000))
        ws.write_number(r, 0, r - 1)
        ws.write_datetime(r, 1, datetime.datetime.combine(found, datetime.time()), date_format)
        ws.write_string(r, 2, rng.choice(people))
        ws.write_string(r, 3, f"{rng.choice(places)}{rng.randrange(1, 20)}号")
        ws.write_string(r, 4, f"第{r - 1}项隐患：{rng.choice(places)}消防设施不完好，需要及时整改")
        ws.write_string(r, 5, "重大隐患" if rng.random() < 0.02 else "一般隐患")
        ws.write_string(r, 6, "限期整改并复查")
        ws.write_datetime(r, 7, datetime.datetime.combine(found + datetime.timedelta(days=30), datetime.time()), date_format)
        ws.write_string(r, 8, rng.choice(departments))
        ws.write_number(r, 9, round(rng.random() * 10, 2))
        ws.write_string(r, 10, rng.choice(["检查发现", "自我查摆", "督导"]))
        ws.write_string(r, 11, f"DEMO-T{rng.randrange(1, 16):02d}")
        ws.write_string(r, 12, f"第{rng.randrange(1, 40)}网格")
        if states:
            closed = rng.random() < 0.7
            progress = rng.randrange(0, 10) * 10
            closed_on = found + datetime.timedelta(days=rng.randrange(1, 60))
            extensions = 1 if rng.random() < 0.05 else 0
            if next_target < len(targets) and r >= targets[next_target] and not closed:
                # Next month's sheet: an open item moved on, every other one closed.
                if next_target % 2 == 0:
                    closed = True
                else:
                    progress = min(90, progress + 10)
                next_target += 1
            ws.write_string(r, 13, "是" if closed else "否")
            if closed:
                ws.write_datetime(r, 14, datetime.datetime.combine(closed_on, datetime.time()), date_format)
                ws.write_string(r, 15, "100%")
            else:
                ws.write_string(r, 15, f"{progress}%")
            ws.write_number(r, 16, extensions)
    wb.close()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = sys.argv[1:]
    change = int(flags[flags.index("--change") + 1]) if "--change" in flags else 0
    if change:
        args.remove(str(change))
    main(args[0], int(args[1]) if len(args) > 1 else 100_000, states="--states" in flags, change=change)
