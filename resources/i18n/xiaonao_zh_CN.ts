<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>Actions</name>
    <message>
        <location filename="../../widgets/case_detail.py" line="49" />
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="50" />
        <source>Dispatch…</source>
        <translation>派单…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="51" />
        <source>Sign for</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="52" />
        <source>Party contacted</source>
        <translation>已联系当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="53" />
        <source>On scene</source>
        <translation>到场</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="54" />
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="55" />
        <source>Close</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="56" />
        <source>Transfer</source>
        <translation>流转</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="57" />
        <source>Escalate</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="58" />
        <source>Supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="59" />
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="60" />
        <source>Reopen</source>
        <translation>重开</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="61" />
        <source>Add note</source>
        <translation>添加备注</translation>
    </message>
</context>
<context>
    <name>AlertBanner</name>
    <message>
        <location filename="../../widgets/alerts.py" line="306" />
        <source>Acknowledge (F9)</source>
        <translation>确认（F9）</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="326" />
        <source>⇧ escalated to the shift leader</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="329" />
        <source>%1 unacknowledged</source>
        <translation>%1 条未确认</translation>
    </message>
</context>
<context>
    <name>AlertCenter</name>
    <message>
        <location filename="../../widgets/alerts.py" line="173" />
        <source>EMERGENCY from %1 (%2): %3</source>
        <translation>紧急呼叫：%1（%2）：%3</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="133" />
        <source>New P1 case %1: %2</source>
        <translation>新一级事件 %1：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/alerts.py" line="136" />
        <source>Deadline missed: %1 %2</source>
        <translation>已超时：%1 %2</translation>
    </message>
</context>
<context>
    <name>CaseDetailPanel</name>
    <message>
        <location filename="../../widgets/case_detail.py" line="85" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="85" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="86" />
        <source>Location</source>
        <translation>地点</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="86" />
        <source>Reporter</source>
        <translation>报告人</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="87" />
        <source>Squad / department</source>
        <translation>班组 / 部门</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="87" />
        <source>Escalation</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="88" />
        <source>Supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="88" />
        <source>Citizen rating</source>
        <translation>群众评价</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="89" />
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="96" />
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="96" />
        <source>Deadline</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="96" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="96" />
        <source>Reached</source>
        <translation>完成时间</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="103" />
        <source>Note, resolution or reason for the action…</source>
        <translation>备注、办结情况或原因…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="127" />
        <source>Transfer to:</source>
        <translation>流转至：</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="132" />
        <source>SLA stages</source>
        <translation>时限环节</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="137" />
        <source>Timeline</source>
        <translation>处置过程</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="168" />
        <source>No case selected</source>
        <translation>未选择事件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="181" />
        <source>Repeat calls: %1</source>
        <translation>重复来电：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="182" />
        <source>Merged into %1</source>
        <translation>已合并至 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="225" />
        <source>repeat call %1</source>
        <translation>重复来电 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="272" />
        <source>Type the note, resolution or reason first.</source>
        <translation>请先填写备注、办结情况或原因。</translation>
    </message>
</context>
<context>
    <name>CaseQueuePanel</name>
    <message>
        <location filename="../../widgets/case_queue.py" line="36" />
        <source>Search id, title, address, pinyin initials… (Ctrl+F)</source>
        <translation>搜索编号、标题、地址、拼音首字母…（Ctrl+F）</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="39" />
        <source>All statuses</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="39" />
        <source>Open cases</source>
        <translation>未办结</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="41" />
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="42" />
        <source>All sources</source>
        <translation>全部来源</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="43" />
        <source>All areas</source>
        <translation>全部片区</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="44" />
        <source>Any SLA state</source>
        <translation>全部时限状态</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="49" />
        <source>Search older cases</source>
        <translation>查找更早案件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="177" />
        <source>Cases closed more than %1 days ago are kept in this computer's archive, not in the queue: search them for the words typed (id, title, address, grid, squad)</source>
        <translation>办结超过 %1 天的案件保存在本机归档中，不在队列里：按输入的词（编号、标题、地址、网格、队组）查找</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="179" />
        <source>No archive: every case is in the queue</source>
        <translation>无归档：全部案件都在队列中</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="187" />
        <source>Searching older cases…</source>
        <translation>正在查找更早案件…</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="202" />
        <source>No older case matches</source>
        <translation>没有匹配的更早案件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="204" />
        <source>Older cases found: %1</source>
        <translation>找到更早案件 %1 件</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="206" />
        <source> (the newest; narrow the search for the rest)</source>
        <translation>（仅列最新的，缩小范围可查其余）</translation>
    </message>
    <message>
        <location filename="../../widgets/case_queue.py" line="215" />
        <source>%1 cases</source>
        <translation>共 %1 件</translation>
    </message>
</context>
<context>
    <name>CaseTableModel</name>
    <message>
        <location filename="../../models/qt/case_table.py" line="39" />
        <source>SLA</source>
        <translation>时限</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="39" />
        <source>Pri</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="40" />
        <source>Case</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="40" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="41" />
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="41" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="42" />
        <source>Area / grid</source>
        <translation>片区 / 网格</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="42" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="43" />
        <source>Squad</source>
        <translation>班组</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="43" />
        <source>Age</source>
        <translation>已用时</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="44" />
        <source>Next deadline</source>
        <translation>下一时限</translation>
    </message>
    <message>
        <location filename="../../models/qt/case_table.py" line="548" />
        <source>waiting to be sent</source>
        <translation>等待发送</translation>
    </message>
</context>
<context>
    <name>CommandLine</name>
    <message>
        <location filename="../../widgets/command_line.py" line="16" />
        <source>Command (Ctrl+L): d 123 W01 dispatch · a 123 accept · c 123 text close · s 123 supervise · t 123 police transfer · m 123 456 merge · ack W01 · war / peace</source>
        <translation>指令（Ctrl+L）：派 123 W01 派单 · 受理 123 · 办结 123 情况 · 督办 123 · 流转 123 police · 合并 123 456 · ack W01 · 战时 / 平时</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <location filename="../../widgets/dashboard.py" line="40" />
        <source>Cases today</source>
        <translation>今日事件</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="41" />
        <source>Open</source>
        <translation>未办结</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="42" />
        <source>Overdue</source>
        <translation>超时</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="43" />
        <source>Dispatched within SLA</source>
        <translation>按时派单率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="44" />
        <source>Arrived within 8 min</source>
        <translation>8分钟到场率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="45" />
        <source>Closed on scene</source>
        <translation>现场办结率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="46" />
        <source>Closure rate</source>
        <translation>办结率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="47" />
        <source>Satisfaction</source>
        <translation>满意率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="116" />
        <source>Cases per hour by source (today)</source>
        <translation>今日各来源每小时事件数</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="123" />
        <source>Minutes from report to dispatch / arrival</source>
        <translation>从受理到派单 / 到场（分钟）</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="130" />
        <source>Categories (today)</source>
        <translation>今日事件类别</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="141" />
        <source>Squads by status</source>
        <translation>班组状态</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="146" />
        <source>Last 7 days: reported and closed</source>
        <translation>近7日受理与办结</translation>
    </message>
</context>
<context>
    <name>DashboardPanel</name>
    <message>
        <location filename="../../widgets/dashboard.py" line="157" />
        <source>Squad</source>
        <translation>班组</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="157" />
        <source>Score</source>
        <translation>得分</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="157" />
        <source>Handled</source>
        <translation>办结数</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="158" />
        <source>Arrived ≤8 min</source>
        <translation>8分钟到场</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="158" />
        <source>Satisfaction</source>
        <translation>满意率</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="169" />
        <source>Squad ranking (7 days)</source>
        <translation>班组绩效排名（近7日）</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="174" />
        <source>Early warnings: repeated complaints</source>
        <translation>预警：重复投诉</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="294" />
        <source>⚠ %1 complaints about %2 (%3) within 7 days: %4</source>
        <translation>⚠ 7日内 %1 起投诉涉及 %2（%3）：%4</translation>
    </message>
    <message>
        <location filename="../../widgets/dashboard.py" line="300" />
        <source>No repeated complaints.</source>
        <translation>暂无重复投诉。</translation>
    </message>
</context>
<context>
    <name>DispatchDialog</name>
    <message>
        <location filename="../../widgets/dispatch.py" line="23" />
        <source>Dispatch %1</source>
        <translation>派单 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="31" />
        <source> · on %1</source>
        <translation> · 正在处置 %1</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="32" />
        <source> · own area</source>
        <translation> · 本片区</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="41" />
        <source>Enter dispatches the highlighted squad; arrows choose another.</source>
        <translation>回车派给选中的班组；方向键选择其他班组。</translation>
    </message>
    <message>
        <location filename="../../widgets/dispatch.py" line="44" />
        <source>Dispatch</source>
        <translation>派单</translation>
    </message>
</context>
<context>
    <name>Domain</name>
    <message>
        <location filename="../../app/mainwindow.py" line="205" />
        <location filename="../../app/wall.py" line="108" />
        <location filename="../../models/qt/labels.py" line="10" />
        <location filename="../../models/qt/labels.py" line="86" />
        <location filename="../../models/qt/labels.py" line="94" />
        <source>Dispute</source>
        <translation>矛盾纠纷</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="10" />
        <source>City management</source>
        <translation>城市管理</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="11" />
        <source>Market supervision</source>
        <translation>市场监管</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="11" />
        <source>Fire safety</source>
        <translation>消防安全</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="12" />
        <source>Public security</source>
        <translation>社会治安</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="12" />
        <source>Traffic</source>
        <translation>交通</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="13" />
        <source>Public service</source>
        <translation>公共服务</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="13" />
        <source>Environment</source>
        <translation>生态环境</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="14" />
        <source>Emergency</source>
        <translation>应急</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="15" />
        <source>110 diverted</source>
        <translation>110分流</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="15" />
        <source>119 fire</source>
        <translation>119</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="16" />
        <source>12345 hotline</source>
        <translation>12345热线</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="16" />
        <source>Grid worker</source>
        <translation>网格员上报</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="17" />
        <source>AI video</source>
        <translation>AI视频</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="17" />
        <source>Patrol</source>
        <translation>巡查发现</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="18" />
        <source>Sensor</source>
        <translation>智能感知</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="18" />
        <source>Walk-in</source>
        <translation>来访</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="19" />
        <source>QR code</source>
        <translation>扫码上报</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="20" />
        <source>P1 urgent</source>
        <translation>一级 紧急</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="20" />
        <source>P2 high</source>
        <translation>二级 较急</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="21" />
        <source>P3 normal</source>
        <translation>三级 一般</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="21" />
        <source>P4 low</source>
        <translation>四级 较低</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="22" />
        <source>New</source>
        <translation>待受理</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="22" />
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="23" />
        <source>Dispatched</source>
        <translation>已派单</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="23" />
        <source>Signed</source>
        <translation>已签收</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="24" />
        <source>Contacted</source>
        <translation>已联系</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="24" />
        <source>On scene</source>
        <translation>已到场</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="25" />
        <source>Resolved</source>
        <translation>已反馈</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="25" />
        <source>Closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="26" />
        <source>Transferred</source>
        <translation>已流转</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="26" />
        <source>Returned</source>
        <translation>已退回</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="27" />
        <source>Available</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="27" />
        <source>En route</source>
        <translation>赶赴中</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="28" />
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="28" />
        <source>Off duty</source>
        <translation>休班</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="29" />
        <source>Community mediation committee</source>
        <translation>社区调委会</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="29" />
        <source>Peacemaker studio</source>
        <translation>和事佬工作室</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="30" />
        <source>Justice office</source>
        <translation>司法所</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="30" />
        <source>Legal aid</source>
        <translation>法律援助</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="31" />
        <source>Court</source>
        <translation>法院</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="31" />
        <source>Peacetime</source>
        <translation>平时</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="32" />
        <source>Wartime</source>
        <translation>战时</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="33" />
        <source>Overdue</source>
        <translation>超时</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="33" />
        <source>Due soon</source>
        <translation>临期</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="34" />
        <source>On time</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="34" />
        <source>Met</source>
        <translation>按时</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="35" />
        <source>Late</source>
        <translation>逾时完成</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="35" />
        <source>Not applicable</source>
        <translation>不适用</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="36" />
        <source>dispatch</source>
        <translation>派单</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="36" />
        <source>contact</source>
        <translation>联系</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="37" />
        <source>arrive</source>
        <translation>到场</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="37" />
        <source>feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="38" />
        <source>close</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../models/qt/labels.py" line="38" />
        <source>receipt</source>
        <translation>接单</translation>
    </message>
</context>
<context>
    <name>Handover</name>
    <message>
        <location filename="../../widgets/leader.py" line="34" />
        <source>Handover at %1 · mode: %2</source>
        <translation>交接班 %1 · 模式：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="37" />
        <source>Open cases: %1 (overdue %2)</source>
        <translation>未办结事件：%1（超时 %2）</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="46" />
        <source>Emergency open: %1</source>
        <translation>未解除紧急呼叫：%1</translation>
    </message>
</context>
<context>
    <name>LeaderPanel</name>
    <message>
        <location filename="../../widgets/leader.py" line="67" />
        <source>Squads on duty</source>
        <translation>在岗班组</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="72" />
        <source>Move member</source>
        <translation>调动队员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="76" />
        <source>Handover note and the incoming leader</source>
        <translation>交接说明及接班值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="77" />
        <source>Record handover</source>
        <translation>记录交接班</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="79" />
        <source>Refresh summary</source>
        <translation>刷新摘要</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="92" />
        <source>Move a member between squads</source>
        <translation>班组间调动队员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="99" />
        <source>Shift handover</source>
        <translation>交接班</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="128" />
        <source>Shift leader only: you are logged in as %1, so these controls are disabled.</source>
        <translation>仅限值班长：您当前的身份是%1，这些操作不可用。</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="166" />
        <source>WARTIME mode (profile %1): switch to peacetime</source>
        <translation>战时模式（时限 %1）：切换到平时</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="168" />
        <source>Peacetime (profile %1): switch to WARTIME</source>
        <translation>平时模式（时限 %1）：切换到战时</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="196" />
        <source>Refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
</context>
<context>
    <name>LinkIndicator</name>
    <message>
        <location filename="../../widgets/link_indicator.py" line="34" />
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="36" />
        <source>Resyncing…</source>
        <translation>重新同步中…</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="38" />
        <source>Login refused: %1</source>
        <translation>登录被拒绝：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="40" />
        <source>Connecting…</source>
        <translation>连接中…</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="42" />
        <source>Offline since %1</source>
        <translation>自 %1 起离线</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="45" />
        <source>reconnecting in %1 s</source>
        <translation>%1 秒后重连</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="47" />
        <source>reconnecting…</source>
        <translation>重连中…</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="54" />
        <source>showing cached data from %1 min ago</source>
        <translation>显示 %1 分钟前的缓存数据</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="57" />
        <source>disk full</source>
        <translation>磁盘已满</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="57" />
        <source>file locked</source>
        <translation>文件被占用</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="57" />
        <source>write error</source>
        <translation>写入出错</translation>
    </message>
    <message>
        <location filename="../../widgets/link_indicator.py" line="58" />
        <source>local cache not saved (%1): working from memory, nothing is lost while this window is open</source>
        <translation>本地缓存未能保存（%1）：正在使用内存数据，窗口不关闭就不会丢失任何内容</translation>
    </message>
</context>
<context>
    <name>LockOverlay</name>
    <message>
        <location filename="../../app/lock.py" line="43" />
        <source>Locked after inactivity</source>
        <translation>长时间无操作，已锁定</translation>
    </message>
    <message>
        <location filename="../../app/lock.py" line="45" />
        <source>User: %1</source>
        <translation>用户：%1</translation>
    </message>
    <message>
        <location filename="../../app/lock.py" line="48" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../app/lock.py" line="50" />
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../../app/lock.py" line="65" />
        <source>Checking…</source>
        <translation>验证中…</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../app/login.py" line="11" />
        <source>Log in to the command centre</source>
        <translation>登录指挥中心</translation>
    </message>
    <message>
        <location filename="../../app/login.py" line="20" />
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../app/login.py" line="21" />
        <source>Password</source>
        <translation>密码</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../app/mainwindow.py" line="50" />
        <source>Radio roster</source>
        <translation>对讲班组</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="52" />
        <source>Case detail</source>
        <translation>事件详情</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="54" />
        <source>Dashboard</source>
        <translation>驾驶舱</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="56" />
        <source>Performance and warnings</source>
        <translation>绩效与预警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="58" />
        <source>Street map</source>
        <translation>街道地图</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="60" />
        <source>Shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="62" />
        <source>Outbox</source>
        <translation>待发指令</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="86" />
        <location filename="../../app/mainwindow.py" line="206" />
        <source>Xiaonao command cockpit</source>
        <translation>小脑指挥驾驶舱</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="109" />
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="176" />
        <source>Alert sounds muted (Alerts menu); emergencies always sound</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="187" />
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="193" />
        <source>not live</source>
        <translation>非实时</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="214" />
        <source>%1 command(s) waiting to be sent</source>
        <translation>%1 条指令待发送</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="216" />
        <source>%1 refused (see Outbox)</source>
        <translation>%1 条被拒绝（见待发指令）</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="231" />
        <source>&amp;Case</source>
        <translation>事件(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="232" />
        <source>New case…</source>
        <translation>新建事件…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="233" />
        <source>Dispatch selected case…</source>
        <translation>派单选中事件…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="235" />
        <source>Accept selected case</source>
        <translation>受理选中事件</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="236" />
        <source>Supervise selected case</source>
        <translation>督办选中事件</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="237" />
        <source>Find…</source>
        <translation>查找…</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="238" />
        <source>Command line</source>
        <translation>指令行</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="239" />
        <source>Acknowledge alert</source>
        <translation>确认告警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="241" />
        <location filename="../../app/mainwindow.py" line="400" />
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="242" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="247" />
        <source>Reset layout</source>
        <translation>恢复默认布局</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="248" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="251" />
        <source>&amp;Alerts</source>
        <translation>告警(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="252" />
        <source>Mute new P1 case alerts</source>
        <translation>静音一级事件告警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="252" />
        <source>Mute missed-deadline alerts</source>
        <translation>静音超时告警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="261" />
        <source>Emergency calls cannot be muted</source>
        <translation>紧急呼叫不可静音</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="264" />
        <source>Acknowledge all missed-deadline alerts</source>
        <translation>确认全部超时告警</translation>
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="276" />
        <source>new P1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="276" />
        <source>missed deadlines</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="279" />
        <source>Muted: %1</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="383" />
        <source>%1 command(s) not yet sent or acknowledged</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="386" />
        <source>%1 unacknowledged alert(s)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="396" />
        <source>Quit the cockpit?</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="397" />
        <source>Quit anyway?</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../app/mainwindow.py" line="401" />
        <source>Stay</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>NewCaseDialog</name>
    <message>
        <location filename="../../widgets/new_case.py" line="63" />
        <source>New case</source>
        <translation>新建事件</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="74" />
        <source>e.g. 九堡大道88号 or a landmark</source>
        <translation>如：九堡大道88号 或 地标名称</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="84" />
        <source>Merge into the selected case (repeat call)</source>
        <translation>合并到选中事件（重复来电）</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="89" />
        <source>Title *</source>
        <translation>标题 *</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="90" />
        <source>Category *</source>
        <translation>类别 *</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="91" />
        <source>Source *</source>
        <translation>来源 *</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="92" />
        <source>Priority (1 most urgent)</source>
        <translation>级别（1 最紧急）</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="93" />
        <source>Address *</source>
        <translation>地址 *</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="95" />
        <location filename="../../widgets/new_case.py" line="129" />
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="96" />
        <location filename="../../widgets/new_case.py" line="130" />
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="97" />
        <location filename="../../widgets/new_case.py" line="131" />
        <source>Caller's phone</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="99" />
        <source>Report case</source>
        <translation>受理登记</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="104" />
        <source>Similar open cases nearby in the last hours</source>
        <translation>附近近几小时的相似未办结事件</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="128" />
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="128" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="171" />
        <source>%1: at most %2 characters (now %3)</source>
        <translation>%1：最多 %2 个字符（现为 %3 个）</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="176" />
        <source>%1 is required</source>
        <translation>%1为必填项</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="182" />
        <source>Grid %1 · %2</source>
        <translation>网格 %1 · %2</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="185" />
        <source>Address not found on the street's map; the case keeps the text.</source>
        <translation>地图上未找到该地址；将保留文字地址。</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="218" />
        <source>The server would refuse this report: %1</source>
        <translation>服务器将拒绝此上报：%1</translation>
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="231" />
        <source>Discard this report?</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="232" />
        <source>What was typed in this form will be lost.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="235" />
        <source>Discard</source>
        <translation type="unfinished" />
    </message>
    <message>
        <location filename="../../widgets/new_case.py" line="236" />
        <source>Keep editing</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>OfflineBanner</name>
    <message>
        <location filename="../../widgets/offline.py" line="41" />
        <source>OFFLINE since %1: not live. Clocks, deadlines and squad timers show the last known state.</source>
        <translation>自 %1 起离线：数据非实时。时钟、时限和班组计时显示的是最后已知状态。</translation>
    </message>
    <message>
        <location filename="../../widgets/offline.py" line="45" />
        <source>%1 command(s) wait to be sent and go when the link is back.</source>
        <translation>%1 条指令等待发送，连接恢复后自动发出。</translation>
    </message>
    <message>
        <location filename="../../widgets/offline.py" line="48" />
        <source>Login refused: log in again.</source>
        <translation>登录被拒绝：请重新登录。</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <location filename="../../widgets/outbox.py" line="31" />
        <source>Open / send again</source>
        <translation>打开 / 重新发送</translation>
    </message>
    <message>
        <location filename="../../widgets/outbox.py" line="33" />
        <source>A refused report opens in the new-case form to be corrected; another command is sent again</source>
        <translation>被拒绝的上报在新建事件表单中打开以便修改；其他指令直接重新发送</translation>
    </message>
    <message>
        <location filename="../../widgets/outbox.py" line="36" />
        <source>Dismiss refused</source>
        <translation>清除被拒绝的指令</translation>
    </message>
    <message>
        <location filename="../../widgets/outbox.py" line="85" />
        <source>%1 pending · %2 refused</source>
        <translation>%1 条待发 · %2 条被拒绝</translation>
    </message>
</context>
<context>
    <name>Outcome</name>
    <message>
        <location filename="../../widgets/outcome.py" line="12" />
        <source>your role may not do this</source>
        <translation>您的角色无权执行此操作</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="13" />
        <source>not possible in the case's or squad's current state</source>
        <translation>事件或班组的当前状态不允许此操作</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="14" />
        <source>a field is missing, too long or not valid</source>
        <translation>有字段缺失、过长或无效</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="15" />
        <source>no such case or squad</source>
        <translation>没有该事件或班组</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="16" />
        <source>the server did not understand the command</source>
        <translation>服务器无法识别该指令</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="17" />
        <source>the server's database is unavailable</source>
        <translation>服务器数据库暂不可用</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="18" />
        <source>not logged in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="19" />
        <source>too many commands at once; try again shortly</source>
        <translation>指令过于频繁，请稍后再试</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="20" />
        <source>the server is busy; try again shortly</source>
        <translation>服务器繁忙，请稍后再试</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="21" />
        <source>the command is too large</source>
        <translation>指令过大</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="24" />
        <source>report case</source>
        <translation>上报事件</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="25" />
        <source>accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="26" />
        <source>dispatch</source>
        <translation>派单</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="27" />
        <source>sign for</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="28" />
        <source>party contacted</source>
        <translation>已联系当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="29" />
        <source>on scene</source>
        <translation>到场</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="30" />
        <source>feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="31" />
        <source>close</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="32" />
        <source>transfer</source>
        <translation>转办</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="33" />
        <source>escalate</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="34" />
        <source>return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="35" />
        <source>reopen</source>
        <translation>重启</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="36" />
        <source>supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="37" />
        <source>rate</source>
        <translation>评价</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="38" />
        <source>add note</source>
        <translation>添加备注</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="39" />
        <source>merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="40" />
        <source>squad status</source>
        <translation>班组状态</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="41" />
        <source>squad duty</source>
        <translation>班组在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="42" />
        <source>move member</source>
        <translation>调动队员</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="43" />
        <source>member duty</source>
        <translation>队员在岗</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="44" />
        <source>acknowledge emergency</source>
        <translation>确认紧急呼叫</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="45" />
        <source>emergency call</source>
        <translation>紧急呼叫</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="46" />
        <source>radio message</source>
        <translation>电台消息</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="47" />
        <source>switch mode</source>
        <translation>切换模式</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="48" />
        <source>SLA profile</source>
        <translation>时限标准</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="49" />
        <source>shift handover</source>
        <translation>交接班</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="73" />
        <source>%1: acknowledged</source>
        <translation>%1：已确认</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="75" />
        <source>%1: refused: %2</source>
        <translation>%1：被拒绝：%2</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="77" />
        <source>%1: sent, waiting for the server</source>
        <translation>%1：已发送，等待服务器确认</translation>
    </message>
    <message>
        <location filename="../../widgets/outcome.py" line="78" />
        <source>%1: offline, waiting to be sent</source>
        <translation>%1：离线，等待发送</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <location filename="../../widgets/leader.py" line="50" />
        <source>operator</source>
        <translation>接警员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="50" />
        <source>shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="51" />
        <source>administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="51" />
        <source>video wall</source>
        <translation>大屏</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="52" />
        <source>field squad</source>
        <translation>外勤班组</translation>
    </message>
    <message>
        <location filename="../../widgets/leader.py" line="52" />
        <source>intake</source>
        <translation>受理接入</translation>
    </message>
</context>
<context>
    <name>RosterPanel</name>
    <message>
        <location filename="../../widgets/roster.py" line="221" />
        <source>%1 of %2 available</source>
        <translation>%2 组中 %1 组空闲</translation>
    </message>
</context>
<context>
    <name>SquadTile</name>
    <message>
        <location filename="../../widgets/roster.py" line="65" />
        <source>EMERGENCY</source>
        <translation>紧急呼叫</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <location filename="../../widgets/case_detail.py" line="38" />
        <source>Reported</source>
        <translation>受理登记</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="38" />
        <source>Accepted</source>
        <translation>受理</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="39" />
        <source>Dispatched</source>
        <translation>派单</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="39" />
        <source>Signed for</source>
        <translation>签收</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="40" />
        <source>Party contacted</source>
        <translation>联系当事人</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="40" />
        <source>Arrived on scene</source>
        <translation>到达现场</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="41" />
        <source>Feedback</source>
        <translation>反馈</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="41" />
        <source>Closed</source>
        <translation>办结</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="42" />
        <source>Transferred</source>
        <translation>流转</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="42" />
        <source>Escalated</source>
        <translation>升级</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="43" />
        <source>Returned</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="43" />
        <source>Reopened</source>
        <translation>重开</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="44" />
        <source>Supervised</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="44" />
        <source>Rated by citizen</source>
        <translation>群众评价</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="45" />
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../widgets/case_detail.py" line="45" />
        <source>Merged</source>
        <translation>合并</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <location filename="../../app/wall.py" line="39" />
        <source>Xiaonao video wall</source>
        <translation>小脑指挥大屏</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="66" />
        <source>Today at a glance</source>
        <translation>今日概况</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="71" />
        <source>Street map and squads</source>
        <translation>街道地图与班组</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="73" />
        <source>Performance and early warnings</source>
        <translation>绩效与预警</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="106" />
        <source>not live</source>
        <translation>非实时</translation>
    </message>
    <message>
        <location filename="../../app/wall.py" line="110" />
        <source>%1 · Command centre</source>
        <translation>%1 · 综合指挥中心</translation>
    </message>
</context>
</TS>