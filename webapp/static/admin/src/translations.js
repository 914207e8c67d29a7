// Chinese labels for the modeler's palette, context pad and popup menu (bpmn-js translate module).
export const ZH = {
  'Activate create/remove space tool': '插入/删除空间', 'Activate global connect tool': '连线工具',
  'Activate hand tool': '抓手（平移画布）', 'Activate lasso tool': '套索选择',
  'Add lane above': '在上方添加泳道', 'Add lane below': '在下方添加泳道', 'Add text annotation': '添加注释',
  'Append compensation activity': '追加补偿活动', 'Append conditional intermediate catch event': '追加条件事件',
  'Append end event': '追加结束事件', 'Append gateway': '追加网关', 'Append intermediate/boundary event': '追加中间/边界事件',
  'Append message intermediate catch event': '追加消息事件', 'Append receive task': '追加接收任务',
  'Append signal intermediate catch event': '追加信号事件', 'Append task': '追加任务',
  'Append timer intermediate catch event': '追加定时器事件', 'Change element': '更改类型', 'Change type': '更改类型',
  'Connect to other element': '连接到其他元素', 'Connect using association': '用关联连接',
  'Connect using data input association': '用数据输入关联连接', 'Create data object reference': '创建数据对象',
  'Create data store reference': '创建数据存储', 'Create end event': '创建结束事件', 'Create expanded sub-process': '创建子流程',
  'Create gateway': '创建网关', 'Create group': '创建分组', 'Create intermediate/boundary event': '创建中间/边界事件',
  'Create pool/participant': '创建池/参与者', 'Create start event': '创建开始事件', 'Create task': '创建任务',
  'Delete': '删除', 'Remove': '删除', 'Divide into three lanes': '分为三个泳道', 'Divide into two lanes': '分为两个泳道',
  'Search in diagram': '在图中搜索', 'Task': '任务', 'User task': '用户任务', 'Service task': '服务任务',
  'Script task': '脚本任务', 'Business rule task': '业务规则任务', 'Manual task': '手工任务', 'Send task': '发送任务',
  'Receive task': '接收任务', 'Call activity': '调用活动', 'Sub-process (collapsed)': '子流程（折叠）',
  'Sub-process (expanded)': '子流程（展开）', 'Exclusive gateway': '排他网关', 'Parallel gateway': '并行网关',
  'Inclusive gateway': '包容网关', 'Complex gateway': '复杂网关', 'Event-based gateway': '事件网关',
  'Start event': '开始事件', 'End event': '结束事件', 'Timer start event': '定时开始事件',
  'Timer intermediate catch event': '定时中间事件', 'Timer boundary event': '定时边界事件',
  'Message start event': '消息开始事件', 'Terminate end event': '终止结束事件', 'Error end event': '错误结束事件',
  'Sequence flow': '顺序流', 'Default flow': '默认流', 'Conditional flow': '条件流',
  'Parallel multi-instance': '并行多实例', 'Sequential multi-instance': '串行多实例', 'Loop': '循环',
  'Intermediate throw event': '中间抛出事件', 'Append element': '追加元素', 'Create element': '创建元素',
  'Open minimap': '打开缩略图', 'Close minimap': '关闭缩略图'
};

export function translateModule(dictionary) {
  function translate(template, replacements) {
    replacements = replacements || {};
    const text = dictionary[template] || template;
    return text.replace(/{([^}]+)}/g, (_, key) => replacements[key] || '{' + key + '}');
  }
  return { translate: ['value', translate] };
}

// dmn-js (decision tables and the decision requirements diagram)
export const ZH_DMN = {
  ...ZH,
  'Hit policy': '命中策略', 'Hit policy:': '命中策略：', 'When': '当', 'And': '且', 'Then': '则', 'View DRD': '查看决策需求图',
  'Annotation': '注释', 'Annotations': '注释', 'Add rule': '添加规则', 'Add rule above': '在上方添加规则',
  'Add rule below': '在下方添加规则', 'Remove rule': '删除规则', 'Copy rule': '复制规则', 'Cut rule': '剪切规则',
  'Paste rule above': '粘贴到上方', 'Paste rule below': '粘贴到下方', 'Move rule': '移动规则',
  'Add input': '添加输入', 'Add output': '添加输出', 'Add input column left': '在左侧添加输入列',
  'Add input column right': '在右侧添加输入列', 'Add output column left': '在左侧添加输出列',
  'Add output column right': '在右侧添加输出列', 'Remove input column': '删除输入列', 'Remove output column': '删除输出列',
  'Copy input column': '复制输入列', 'Copy output column': '复制输出列', 'Cut input column': '剪切输入列',
  'Cut output column': '剪切输出列', 'Paste input column left': '粘贴到左侧', 'Paste input column right': '粘贴到右侧',
  'Paste output column left': '粘贴到左侧', 'Paste output column right': '粘贴到右侧',
  'Input': '输入', 'Output': '输出', 'Input label': '输入标签', 'Input label: ': '输入标签：', 'Input expression': '输入表达式',
  'Input expression: ': '输入表达式：', 'Output label': '输出标签', 'Output label: ': '输出标签：', 'Output name': '输出名称',
  'Output name: ': '输出名称：', 'Input type': '输入类型', 'Output type': '输出类型', 'Type': '类型', 'Expression': '表达式',
  'Expression language': '表达式语言', 'Enter expression': '输入表达式', 'Input values': '输入取值', 'Output values': '输出取值',
  'Predefined values': '预定义取值', 'Add predefined values': '添加预定义取值', 'Clear predefined values': '清除预定义取值',
  'Add values': '添加取值', 'Values': '取值', 'Value': '值', 'No values': '无取值', 'Edit': '编辑', 'Delete': '删除',
  'Add cell description': '添加单元格说明', 'Remove cell description': '删除单元格说明',
  'Yes': '是', 'No': '否', 'Decision name': '决策名称', 'Decision name: ': '决策名称：',
  'Create decision': '创建决策', 'Create input data': '创建输入数据', 'Create knowledge model': '创建知识模型',
  'Create knowledge source': '创建知识来源', 'Append decision': '追加决策', 'Append input data': '追加输入数据',
  'Append knowledge source': '追加知识来源', 'Append business knowledge model': '追加业务知识模型',
  // hit policies (label and explanation) and the column types an office reads
  'Unique': '唯一命中（UNIQUE）', 'First': '首个命中（FIRST）', 'Priority': '优先级（PRIORITY）', 'Any': '任一命中（ANY）',
  'Collect': '全部命中（COLLECT）', 'Collect (Sum)': '全部命中求和', 'Collect (Min)': '全部命中取最小',
  'Collect (Max)': '全部命中取最大', 'Collect (Count)': '全部命中计数', 'Rule order': '按规则顺序', 'Output order': '按输出顺序',
  'No overlap is possible and all rules are disjoint. Only a single rule can be matched': '各规则互不重叠，只会有一条规则命中',
  'Rules may overlap. The first matching rule will be chosen': '规则可以重叠，取第一条命中的规则',
  'Rules may overlap. The one with the highest priority will be chosen': '规则可以重叠，取优先级最高的规则',
  'Rules may overlap. Their output have to match': '规则可以重叠，命中规则的结果必须相同',
  'Collects the values of all matching rules': '收集所有命中规则的结果（如全部不符合条件的原因）',
  'Collects the values of all matching rules and sums up to a single value': '收集所有命中规则的结果并求和',
  'Collects the values of all matching rules and uses the lowest value': '收集所有命中规则的结果并取最小值',
  'Collects the values of all matching rules and uses the highest value': '收集所有命中规则的结果并取最大值',
  'Collects the values of all matching rules and counts the number of them': '统计命中规则的条数',
  'Collects the values of all matching rules in rule order': '按规则顺序收集所有命中规则的结果',
  'Collects the values of all matching rules in decreasing output priority order': '按结果优先级收集所有命中规则的结果',
  'string': '文本', 'integer': '整数', 'long': '整数', 'double': '数字', 'number': '数字', 'boolean': '是/否', 'date': '日期',
  'Edit input': '编辑输入列', 'Edit output': '编辑输出列'
};

// bpmn-js-properties-panel: the panel's own groups, entries, help texts and element type labels
export const ZH_PANEL = {
  ...ZH,
  'General': '常规', 'Name': '名称', 'ID': 'ID', 'Documentation': '说明', 'Element documentation': '元素说明',
  'Process documentation': '流程说明', 'Process ID': '流程 ID', 'Process name': '流程名称', 'Participant Name': '池名称',
  'Executable': '可执行', 'Timer': '定时器', 'Type': '类型', 'Value': '值', 'Date': '日期时间', 'Duration': '时长',
  'Cycle': '循环', '<none>': '（无）', 'Multi-instance': '多实例', 'Loop cardinality': '实例数', 'Completion condition': '完成条件',
  'Completion': '完成', 'Compensation': '补偿', 'Error': '错误', 'Escalation': '升级', 'Link': '链接', 'Message': '消息',
  'Signal': '信号', 'Code': '代码', 'Activity reference': '活动引用', 'Wait for completion': '等待完成',
  'Cancel remaining instances': '取消其余实例', 'Create new ...': '新建…',
  'Global error reference': '全局错误引用', 'Global escalation reference': '全局升级引用',
  'Global message reference': '全局消息引用', 'Global signal reference': '全局信号引用',
  'ID must be a valid QName.': 'ID 须以字母开头，只含字母、数字、下划线或连字符', 'ID must be unique.': 'ID 不能与其他元素重复',
  'ID must not be empty.': 'ID 不能为空', 'ID must not contain prefix.': 'ID 不能含前缀', 'ID must not contain spaces.': 'ID 不能含空格',
  'Select an element to edit its properties.': '选择一个元素以编辑其属性',
  'Multiple elements are selected. Select a single element to edit its properties.': '选中了多个元素；请只选择一个元素以编辑其属性',
  'A specific point in time defined as ISO 8601 combined date and time representation.': '某一时刻（ISO 8601 日期时间）；在本系统中写作带引号的表达式，并写明 +08:00（北京时间）',
  'A time duration defined as ISO 8601 durations format.': '一段时长（ISO 8601），在本系统中写作带引号的表达式，如 \'P30D\'',
  'A cycle defined as ISO 8601 repeating intervals format.': '重复周期（ISO 8601），如 \'R3/P1Y\'',
  'Documentation: Timer events': '说明：定时器事件', 'UTC time': 'UTC 时间', 'UTC plus 2 hours zone offset': 'UTC+2 时区',
  '14 days': '14 天', '1 hour and 30 minutes': '1 小时 30 分', '15 seconds': '15 秒',
  'every 10 seconds, up to 5 times': '每 10 秒一次，最多 5 次', 'every day, infinitely': '每天一次，不限次数',
  // the panel's header names the element's type
  'User Task': '用户任务', 'Manual Task': '手工任务', 'Service Task': '服务任务', 'Script Task': '脚本任务',
  'Business Rule Task': '业务规则任务', 'Send Task': '发送任务', 'Receive Task': '接收任务', 'Call Activity': '调用活动',
  'Sub Process': '子流程', 'Lane': '泳道', 'Participant': '池', 'Process': '流程', 'Sequence Flow': '顺序流',
  'Conditional Flow': '条件流', 'Default Flow': '默认流', 'Exclusive Gateway': '排他网关', 'Parallel Gateway': '并行网关',
  'Inclusive Gateway': '包容网关', 'Event Based Gateway': '事件网关', 'Start Event': '开始事件', 'End Event': '结束事件',
  'Timer Start Event': '定时开始事件', 'Timer Intermediate Catch Event': '定时中间事件', 'Timer Boundary Event': '定时边界事件',
  'Intermediate Throw Event': '中间抛出事件', 'Boundary Event': '边界事件', 'Text Annotation': '注释', 'Group': '分组',
  'Data Object Reference': '数据对象', 'Data Store Reference': '数据存储', 'Terminate End Event': '终止结束事件',
};
